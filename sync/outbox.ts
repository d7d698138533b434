import { sql } from "drizzle-orm";
import type { Executor } from "../db/client";
import type { Services } from "../server/services";
import { AirtableRejected, AirtableUnavailable, logSync } from "./client";

export type SyncBase = "control" | "performance";

export type OutboxRow = {
  id: number;
  record_key: string;
  campaign_id: number | null;
  payload: { note?: string; forceStatus?: boolean };
  attempts: number;
  updated_at: string;
};

/** Claims due rows (a two-minute lease, so another worker leaves them alone). */
export async function claimOutbox(db: Executor, base: SyncBase, limit: number, keyPrefix = ""): Promise<OutboxRow[]> {
  return db.execute<OutboxRow>(sql`
    update sync_outbox set next_attempt_at = now() + interval '2 minutes'
    where id in (select id from sync_outbox where base = ${base} and next_attempt_at <= now() and record_key like ${`${keyPrefix}%`}
                 order by id limit ${limit} for update skip locked)
    returning id, record_key, campaign_id, payload, attempts, updated_at::text`) as unknown as Promise<OutboxRow[]>;
}

/** Done: rows changed again since the claim stay, due at once, for the next flush. */
export async function completeOutbox(db: Executor, rows: OutboxRow[]) {
  if (!rows.length) return;
  const claims = JSON.stringify(rows.map((r) => ({ id: r.id, updated_at: r.updated_at })));
  await db.execute(sql`
    with c as (select * from jsonb_to_recordset(${claims}::jsonb) as c(id bigint, updated_at timestamptz)),
    deleted as (delete from sync_outbox o using c where o.id = c.id and o.updated_at = c.updated_at returning o.id)
    update sync_outbox o set next_attempt_at = now(), attempts = 0 from c where o.id = c.id and o.id not in (select id from deleted)`);
}

/** Not done: retried with backoff (5 s doubling, at most two minutes; an hour when Airtable refused the request itself). */
export async function failOutbox(db: Executor, rows: OutboxRow[], error: string, refused = false) {
  if (!rows.length) return;
  await db.execute(sql`
    update sync_outbox set attempts = attempts + 1, last_error = ${error.slice(0, 1000)},
      next_attempt_at = now() + make_interval(secs => ${refused ? 3600 : 0} + case when ${refused} then 0 else least(120, 5 * power(2, least(attempts, 10))) end)
    where id in (select x::bigint from jsonb_array_elements_text(${JSON.stringify(rows.map((r) => r.id))}::jsonb) x)`);
}

/** Queues a campaign's control record with a Sync Note (and, to revert an edit, its status). */
export async function queueControlNote(db: Executor, campaignId: number, note: string, forceStatus: boolean) {
  await db.execute(sql`
    insert into sync_outbox (base, record_key, campaign_id, payload) values ('control', ${`campaign:${campaignId}`}, ${campaignId}, ${JSON.stringify({ note, forceStatus })}::jsonb)
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
