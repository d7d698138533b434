import { hostname } from "node:os";
import { sql } from "drizzle-orm";
import type { Executor } from "../../db/client";

/** Row and lane leases: a dead worker's batches are retaken within this, a live one renews them every HEARTBEAT_MS. */
export const LEASE_SECONDS = 30;
export const HEARTBEAT_MS = 10_000;

/** `host:pid:suffix`: unique per job, and a worker on the same host can tell whether the holder still lives. */
export const workerIdFor = (suffix: string) => `${hostname()}:${process.pid}:${suffix}`;

/** Takes a lane of a run for this job; false when a live job already works it (this one is a duplicate and ends). */
export async function acquireLane(db: Executor, campaignId: number, runId: number, lane: number, workerId: string): Promise<boolean> {
  const rows = await db.execute(sql`
    insert into send_lanes as l (campaign_id, run_id, lane, worker_id, lease_until)
    values (${campaignId}, ${runId}, ${lane}, ${workerId}, now() + make_interval(secs => ${LEASE_SECONDS}))
    on conflict (campaign_id, run_id, lane) do update set worker_id = excluded.worker_id, lease_until = excluded.lease_until
    where l.worker_id is null or l.worker_id = excluded.worker_id or l.lease_until < now()
    returning 1`);
  return rows.length > 0;
}

/** Hands the lane back (in the transaction that queues the lane's next job, so that job can take it). */
export async function releaseLane(db: Executor, campaignId: number, runId: number, lane: number, workerId: string) {
  await db.execute(sql`
    update send_lanes set worker_id = null, lease_until = now()
    where campaign_id = ${campaignId} and run_id = ${runId} and lane = ${lane} and worker_id = ${workerId}`);
}

/** Keeps this worker's claimed rows and lane alive while it works; stop() ends it. */
export function startHeartbeat(db: Executor, workerId: string, onError: (error: unknown) => void = () => {}) {
  const beat = async () => {
    await db.execute(sql`
      update scheduled_emails set locked_until = now() + make_interval(secs => ${LEASE_SECONDS})
      where status = 'sending' and locked_by = ${workerId}`);
    await db.execute(sql`update send_lanes set lease_until = now() + make_interval(secs => ${LEASE_SECONDS}) where worker_id = ${workerId}`);
  };
  const timer = setInterval(() => void beat().catch(onError), HEARTBEAT_MS);
  timer.unref();
  return { stop: () => clearInterval(timer) };
}

const alive = (pid: number) => {
  try {
    process.kill(pid, 0);
    return true;
  } catch (error) {
    return (error as NodeJS.ErrnoException).code === "EPERM";
  }
};

/**
 * Leases held by processes of this host that no longer exist (a worker killed
 * with SIGKILL) end now instead of in LEASE_SECONDS: a restarted worker
 * resumes at once. Leases of other hosts expire on their own.
 */
export async function expireDeadLocalLeases(db: Executor): Promise<number> {
  const prefix = `${hostname()}:`;
  const holders = await db.execute<{ holder: string }>(sql`
    select distinct locked_by as holder from scheduled_emails where status = 'sending' and locked_by like ${prefix + "%"} and locked_until > now()
    union select worker_id from send_lanes where worker_id like ${prefix + "%"} and lease_until > now()`);
  const dead = holders.map((h) => h.holder).filter((h) => {
    const pid = Number(h.slice(prefix.length).split(":")[0]);
    return Number.isInteger(pid) && pid > 0 && pid !== process.pid && !alive(pid);
  });
  if (!dead.length) return 0;
  const list = sql`(select jsonb_array_elements_text(${JSON.stringify(dead)}::jsonb))`;
  await db.execute(sql`update scheduled_emails set locked_until = now() where status = 'sending' and locked_by in ${list}`);
  await db.execute(sql`update send_lanes set lease_until = now() where worker_id in ${list}`);
  return dead.length;
}
