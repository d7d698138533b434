import { hostname } from "node:os";
import { sql } from "drizzle-orm";
import { SEND_LANES } from "../campaigns/lifecycle";
import { enqueue } from "../queue";
import type { Services } from "../services";
import type { LaneResult } from "./send-run";

export const workerId = (lane: number) => `${hostname()}:${process.pid}:lane${lane}`;

/** After a lane stops, queue it again for when there will be work. */
export async function followUp(services: Services, payload: { campaignId: number; runId: number; lane: number }, result: LaneResult) {
  const jobKey = `send-run:${payload.runId}:${payload.lane}`;
  if (result.outcome === "deadline" || result.outcome === "limit") {
    await enqueue(services.db, "send-run", payload, { jobKey });
  } else if ((result.outcome === "idle" || result.outcome === "waiting") && result.nextAt) {
    await enqueue(services.db, "send-run", payload, { jobKey, runAt: result.nextAt });
  }
}

/**
 * Safety net, every minute: every active run gets its send jobs back if one
 * was lost, and batches left `sending` by a crash in a run that has since been
 * cancelled are closed.
 */
export async function kickSending(services: Services) {
  const runs = await services.db.execute<{ campaign_id: number; id: number; due: string | null }>(sql`
    select r.campaign_id, r.id,
           least((select min(scheduled_for) from scheduled_emails e where e.campaign_id = r.campaign_id and e.run_id = r.id and e.status = 'pending'),
                 (select min(locked_until) from scheduled_emails e where e.campaign_id = r.campaign_id and e.run_id = r.id and e.status = 'sending')) as due
    from campaign_runs r where r.status in ('SENDING', 'SCHEDULED')`);
  for (const run of runs) {
    for (let lane = 0; lane < SEND_LANES; lane++) {
      await enqueue(services.db, "send-run", { campaignId: run.campaign_id, runId: run.id, lane }, {
        jobKey: `send-run:${run.id}:${lane}`, jobKeyMode: "preserve_run_at", runAt: run.due ? new Date(run.due) : undefined,
      });
    }
  }
  const closed = await services.db.execute(sql`
    update scheduled_emails e set status = 'cancelled', error = 'cancelled while a worker was sending it; the provider may have accepted it',
      locked_by = null, locked_until = null, updated_at = now()
    from campaign_runs r
    where e.status = 'sending' and e.locked_until < now() and r.campaign_id = e.campaign_id and r.id = e.run_id and r.status in ('CANCELLED', 'FAILED', 'COMPLETED')
    returning 1`);
  return { runs: runs.length, closed: closed.length };
}
