import { sql } from "drizzle-orm";
import { prepared, type Executor } from "../../db/client";

/**
 * The pause barrier. A batch holds the run's lock shared from the status
 * check until it has recorded what the provider answered; pause, cancel and
 * resume take it exclusively. So a pause commits only once every batch in
 * flight has finished, and any batch that starts afterwards sees the pause:
 * nothing is handed to the provider after a pause commits. A provider call
 * made under the barrier is bounded (docs/decisions/011-provider-circuit-and-leases.md).
 */
const NAMESPACE = 7_246_002;
const key = (runId: number) => runId % 2_147_483_647;

/** Prepared (one round trip, once a batch), so a claim can follow it on the wire without waiting for its answer. */
export async function lockRunShared(tx: Executor, runId: number) {
  await prepared(tx, sql`select pg_advisory_xact_lock_shared(${NAMESPACE}::int, ${key(runId)}::int)`);
}

export async function lockRunExclusive(tx: Executor, runId: number) {
  await tx.execute(sql`select pg_advisory_xact_lock(${NAMESPACE}::int, ${key(runId)}::int)`);
}

/**
 * Whether a pause, cancel or resume has waited for the barrier longer than
 * `ms`: a lane whose provider call hangs then abandons it (the batch keeps
 * its key and is retaken later), so a pause answers within seconds.
 */
export async function exclusiveWaiting(db: Executor, runId: number, ms: number): Promise<boolean> {
  const [row] = await db.execute<{ waiting: boolean }>(sql`
    select exists (
      select 1 from pg_locks where locktype = 'advisory' and classid = ${NAMESPACE} and objid = ${key(runId)} and objsubid = 2
        and mode = 'ExclusiveLock' and not granted and waitstart < clock_timestamp() - make_interval(secs => ${ms / 1000})) as waiting`);
  return Boolean(row?.waiting);
}
