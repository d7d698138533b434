import { sql } from "drizzle-orm";
import type { Executor } from "../../db/client";

/**
 * The pause barrier. A batch holds the run's lock shared from the status
 * check until it has recorded what the provider answered; pause, cancel and
 * resume take it exclusively. So a pause commits only once every batch in
 * flight has finished, and any batch that starts afterwards sees the pause:
 * nothing is handed to the provider after a pause commits.
 */
const NAMESPACE = 7_246_002;
const key = (runId: number) => runId % 2_147_483_647;

export async function lockRunShared(tx: Executor, runId: number) {
  await tx.execute(sql`select pg_advisory_xact_lock_shared(${NAMESPACE}::int, ${key(runId)}::int)`);
}

export async function lockRunExclusive(tx: Executor, runId: number) {
  await tx.execute(sql`select pg_advisory_xact_lock(${NAMESPACE}::int, ${key(runId)}::int)`);
}
