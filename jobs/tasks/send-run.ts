import { z } from "zod";
import { acquireLane } from "../../server/sending/lanes";
import { sendRun, type LaneResult } from "../../server/sending/send-run";
import { followUp, workerId } from "../../server/sending/schedule";
import { createTransport } from "../../server/sending/transports";
import { defineTask } from "../define";

const payload = z.object({ campaignId: z.number().int().positive(), runId: z.number().int().positive(), lane: z.number().int().min(0).default(0) });

/**
 * One sending lane of one run: takes the lane (a duplicate job ends here),
 * sends due batches for up to 20 s, then hands the lane to its next job,
 * queued for when there is work (a throttle slot, a due step, a probe).
 */
export default defineTask("send-run", payload, async (p, { services, helpers, stopping }) => {
  const worker = workerId(helpers.job.id);
  if (!(await acquireLane(services.db, p.campaignId, p.runId, p.lane, worker))) return;
  let result: LaneResult;
  try {
    result = await sendRun(services, createTransport(services.config, services.db), p.campaignId, p.runId, { workerId: worker, deadline: Date.now() + 20_000, signal: stopping });
  } catch (error) {
    // Nothing is lost (a claimed batch keeps its key and is retaken); the lane tries again shortly.
    services.log.error("send lane stopped by an error; it continues in 5 s", { campaignId: p.campaignId, runId: p.runId, lane: p.lane, error: String(error) });
    result = { outcome: "waiting", sent: 0, failed: 0, skipped: 0, batches: 0, nextAt: new Date(Date.now() + 5_000) };
  }
  if (result.sent || result.failed || result.outcome === "failed") {
    services.log.info("send lane finished", { campaignId: p.campaignId, runId: p.runId, lane: p.lane, outcome: result.outcome, sent: result.sent, failed: result.failed, skipped: result.skipped });
  }
  await followUp(services, p, result, worker);
});
