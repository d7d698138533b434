import { sql } from "drizzle-orm";
import { SEND_LANES } from "../campaigns/lifecycle";
import { enqueue } from "../queue";
import type { Services } from "../services";
import { expireDeadLocalLeases, releaseLane, workerIdFor } from "./lanes";
import type { LaneResult } from "./send-run";

/** One worker id per job: two jobs never share the leases of one id. */
export const workerId = (jobId: string | number) => workerIdFor(`job${jobId}`);

const jobKey = (runId: number, lane: number) => `send-run:${runId}:${lane}`;

/**
 * After a lane stops: hands the lane back and queues its next job, in one
 * transaction (so the next job can take the lane the moment it exists).
 */
export async function followUp(services: Services, payload: { campaignId: number; runId: number; lane: number }, result: LaneResult, worker: string) {
  await services.db.transaction(async (tx) => {
    await releaseLane(tx, payload.campaignId, payload.runId, payload.lane, worker);
    if (result.outcome === "deadline" || result.outcome === "limit") {
      await enqueue(tx, "send-run", payload, { jobKey: jobKey(payload.runId, payload.lane) });
    } else if ((result.outcome === "idle" || result.outcome === "waiting") && result.nextAt) {
      await enqueue(tx, "send-run", payload, { jobKey: jobKey(payload.runId, payload.lane), runAt: result.nextAt });
    }
  });
}

/**
 * Safety net, on every worker start, every 10 s in each worker process and
 * every minute by cron: each lane of each active run has exactly one job.
 * A lane whose holder died (its lease ran out while held, or its process on
 * this host is gone) gets a new job now; a lane with a queued job is left
 * alone; a live lane is never given a second job. Batches left `sending` in a
 * run that has since ended become `unknown` (the provider may have them).
 */
export async function kickSending(services: Services) {
  const { db } = services;
  await expireDeadLocalLeases(db);
  const runs = await db.execute<{ campaign_id: number; id: number; due: string | null }>(sql`
    select r.campaign_id, r.id,
           least((select min(scheduled_for) from scheduled_emails e where e.campaign_id = r.campaign_id and e.run_id = r.id and e.status = 'pending'),
                 (select min(locked_until) from scheduled_emails e where e.campaign_id = r.campaign_id and e.run_id = r.id and e.status = 'sending')) as due
    from campaign_runs r where r.status in ('SENDING', 'SCHEDULED')`);
  let queued = 0;
  for (const run of runs) {
    for (let lane = 0; lane < SEND_LANES; lane++) {
      const key = jobKey(run.id, lane);
      const [state] = await db.execute<{ live: boolean; orphaned: boolean; queued: boolean }>(sql`
        with orphan as (
          -- The holder died without handing the lane back: forget it, once (the kick that clears it queues the job).
          update send_lanes set worker_id = null
          where campaign_id = ${run.campaign_id} and run_id = ${run.id} and lane = ${lane} and worker_id is not null and lease_until < now()
          returning 1)
        select exists (select 1 from send_lanes where campaign_id = ${run.campaign_id} and run_id = ${run.id} and lane = ${lane} and worker_id is not null and lease_until >= now()) as live,
               exists (select 1 from orphan) as orphaned,
               exists (select 1 from graphile_worker._private_jobs where key = ${key} and locked_at is null) as queued`);
      if (state!.live || (state!.queued && !state!.orphaned)) continue;
      if (!state!.orphaned) {
        // Neither held nor queued: a job may be starting right now (locked, not yet holding the lane).
        const [starting] = await db.execute<{ n: number }>(sql`select count(*)::int as n from graphile_worker._private_jobs where key = ${key} and locked_at > now() - interval '30 seconds'`);
        if (starting!.n) continue;
      }
      await enqueue(db, "send-run", { campaignId: run.campaign_id, runId: run.id, lane }, { jobKey: key, runAt: run.due && new Date(run.due) > new Date() ? new Date(run.due) : undefined });
      queued++;
    }
  }
  const closed = await db.execute(sql`
    update scheduled_emails e set status = 'unknown', error = 'the run ended while a worker was sending it; the provider may have accepted it',
      locked_by = null, locked_until = null, updated_at = now()
    from campaign_runs r
    where e.status = 'sending' and e.locked_until < now() and r.campaign_id = e.campaign_id and r.id = e.run_id and r.status in ('CANCELLED', 'FAILED', 'COMPLETED')
    returning 1`);
  return { runs: runs.length, queued, closed: closed.length };
}
