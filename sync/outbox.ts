import { sql } from "drizzle-orm";
import type { Executor } from "../db/client";
import type { Services } from "../server/services";
import { AirtableRejected, AirtableUnavailable, logSync } from "./client";

export type SyncBase = "control" | "performance";

/** Chunks a push has in flight at once (each claims its own rows); the pacer keeps them under the limit. */
export const PUSH_LANES = 3;

export type OutboxRow = {
  id: number;
  record_key: string;
  campaign_id: number | null;
  /** forceStatus: write Herald's Status over `seen`, the value the pull decided about (a revert). */
  payload: { note?: string; forceStatus?: boolean; seen?: string };
  attempts: number;
  updated_at: string;
};

/** Claims due rows (a two-minute lease, so another worker leaves them alone). */
export async function claimOutbox(db: Executor, base: SyncBase, limit: number, keyPrefix = ""): Promise<OutboxRow[]> {
  return db.execute<OutboxRow>(sql`
    -- A materialized CTE: a LIMIT … SKIP LOCKED subquery inside "where id in (…)" may be re-run by the
    -- planner and then claim more than \`limit\` rows (seen: 11+ records handed to a 10-record write).
    with picked as materialized (
      select id from sync_outbox where base = ${base} and next_attempt_at <= now() and record_key like ${`${keyPrefix}%`}
      order by id limit ${limit} for update skip locked)
    update sync_outbox o set next_attempt_at = now() + interval '2 minutes'
    from picked where o.id = picked.id
    returning o.id, o.record_key, o.campaign_id, o.payload, o.attempts, o.updated_at::text`) as unknown as Promise<OutboxRow[]>;
}

/** Done: rows changed again since the claim stay, due at once, for the next flush. */
export async function completeOutbox(db: Executor, rows: OutboxRow[]) {
  if (!rows.length) return;
  const claims = JSON.stringify(rows.map((r) => ({ id: r.id, updated_at: r.updated_at })));
  await db.execute(sql`
    with c as (select * from jsonb_to_recordset(${claims}::jsonb) as c(id bigint, updated_at timestamptz)),
    deleted as (delete from sync_outbox o using c where o.id = c.id and o.updated_at = c.updated_at returning o.id)
    update sync_outbox o set next_attempt_at = now(), attempts = 0, set_aside_at = null, record_id = null from c where o.id = c.id and o.id not in (select id from deleted)`);
}

/** Not done: retried with backoff (5 s doubling, at most two minutes; an hour when Airtable refused the request itself). */
export async function failOutbox(db: Executor, rows: OutboxRow[], error: string, refused = false) {
  if (!rows.length) return;
  await db.execute(sql`
    update sync_outbox set attempts = attempts + 1, last_error = ${error.slice(0, 1000)},
      next_attempt_at = now() + make_interval(secs => ${refused ? 3600 : 0} + case when ${refused} then 0 else least(120, 5 * power(2, least(attempts, 10))) end)
    where id in (select x::bigint from jsonb_array_elements_text(${JSON.stringify(rows.map((r) => r.id))}::jsonb) x)`);
}

/**
 * Airtable refused this one record (the others of its request went through):
 * it waits an hour, and the Sync page and `herald sync` name it until it
 * goes through.
 */
export async function setAside(db: Executor, base: SyncBase, row: OutboxRow, reason: string, recordId: string | null) {
  await db.execute(sql`
    update sync_outbox set set_aside_at = coalesce(set_aside_at, now()), last_error = ${reason.slice(0, 1000)}, record_id = ${recordId},
      attempts = attempts + 1, next_attempt_at = now() + interval '1 hour'
    where id = ${row.id}`);
  await logSync(db, base, "push", "error", `${row.record_key}${recordId ? ` (record ${recordId})` : ""} set aside: ${reason}`, { recordKey: row.record_key, recordId, campaignId: row.campaign_id });
}

/**
 * Writes `items` in one request; if Airtable refuses it, one request per item,
 * so a bad record (a duplicate key, a value Airtable refuses) is set aside
 * alone and the others go through. Anything else (429, outage) propagates.
 */
export async function writeIsolated<T>(items: T[], write: (chunk: T[]) => Promise<void>, refused: (item: T, error: AirtableRejected) => Promise<void>) {
  if (!items.length) return;
  try {
    await write(items);
    return;
  } catch (error) {
    if (!(error instanceof AirtableRejected)) throw error;
    if (items.length === 1) return refused(items[0]!, error);
  }
  for (const item of items) {
    try {
      await write([item]);
    } catch (error) {
      if (!(error instanceof AirtableRejected)) throw error;
      await refused(item, error);
    }
  }
}

/** Queues a campaign's control record with a Sync Note (and, to revert an edit, its status). */
export async function queueControlNote(db: Executor, campaignId: number, note: string | undefined, forceStatus: boolean, seen?: string) {
  const payload = { ...(note !== undefined ? { note } : {}), ...(forceStatus ? { forceStatus } : {}), ...(seen !== undefined ? { seen } : {}) };
  await db.execute(sql`
    insert into sync_outbox (base, record_key, campaign_id, payload) values ('control', ${`campaign:${campaignId}`}, ${campaignId}, ${JSON.stringify(payload)}::jsonb)
    on conflict (base, record_key) do update set payload = sync_outbox.payload || excluded.payload, updated_at = now(), next_attempt_at = now()`);
}

/** A push that failed: its rows wait with backoff, the error is logged and shown on the Sync page. Other errors are bugs and propagate. */
export async function handleFailure(services: Services, rows: OutboxRow[], error: unknown, base: "control" | "performance") {
  const { db, log } = services;
  if (error instanceof AirtableUnavailable || error instanceof AirtableRejected) {
    const refused = error instanceof AirtableRejected;
    await failOutbox(db, rows, error.message, refused);
    await logSync(db, base, "push", refused ? "error" : "warn", error.message, { records: rows.length });
    await db.execute(sql`insert into sync_state (base, last_error, last_error_at) values (${base}, ${error.message}, now())
                         on conflict (base) do update set last_error = excluded.last_error, last_error_at = now(), updated_at = now()`);
    log.warn("Airtable push failed; will retry", { base, error: error.message, records: rows.length });
    return;
  }
  await failOutbox(db, rows, String(error));
  throw error;
}
