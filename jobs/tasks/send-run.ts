import { z } from "zod";
import { sendRun } from "../../server/sending/send-run";
import { followUp, workerId } from "../../server/sending/schedule";
import { createTransport } from "../../server/sending/transports";
import { defineTask } from "../define";

const payload = z.object({ campaignId: z.number().int().positive(), runId: z.number().int().positive(), lane: z.number().int().min(0).default(0) });

/** One sending lane of one run: sends due batches for up to 20 s, then queues itself for what comes next. */
export default defineTask("send-run", payload, async (p, { services }) => {
  const result = await sendRun(services, createTransport(services.config), p.campaignId, p.runId, { workerId: workerId(p.lane), deadline: Date.now() + 20_000 });
  if (result.sent || result.failed || result.outcome === "failed") {
    services.log.info("send lane finished", { campaignId: p.campaignId, runId: p.runId, lane: p.lane, outcome: result.outcome, sent: result.sent, failed: result.failed, skipped: result.skipped });
  }
  await followUp(services, p, result);
});
