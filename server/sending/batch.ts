import { createHash } from "node:crypto";
import { sql, type SQL } from "drizzle-orm";
import { prepared, type Database, type Executor, type Transaction } from "../../db/client";
import { lockRunShared } from "../runs/locks";
import type { Services } from "../services";
import { assignSenders, composeEmail, emailIdentities, emailIdentitiesOf, fromAddress, lockedEmailSenders, type BatchRow, type CampaignForSending, type Identity, type TemplateRow } from "./compose";
import { composeSms } from "../sms/compose";
import { smsSendersNow, type SmsSender } from "../sms/senders";
import { LEASE_SECONDS } from "./lanes";
import { recordOutcomes, type Outcome } from "./record";
import type { OutgoingEmail } from "./transport";

/**
 * A batch fixed when it was claimed: its key and the exact JSON text handed
 * to the transport. Every retake sends these bytes again (docs/decisions/010).
 */
export interface FixedBatch {
  key: string;
  payload: string;
  emails: OutgoingEmail[];
  /** The provider may already have it (a call was started); from then on the payload never changes. */
  handedAt: Date | null;
  /** Taken over from a worker that stopped, rather than claimed just now. */
  retaken: boolean;
  /** Emails skipped when the batch was fixed (suppressed or replied). */
  skipped: number;
}

const LEASE = sql.raw(`interval '${LEASE_SECONDS} seconds'`);
const sha256 = (s: string) => createHash("sha256").update(s).digest("hex");

/**
 * The ONE place the send path loads templates: the run's own copy (run_steps,
 * written when it started), so a template edited mid-run does not change mail
 * already in flight. Runs started before snapshots existed read the live templates.
 */
export async function loadTemplatesForSending(db: Executor, campaignId: number, runId: number, ids: number[]): Promise<Map<number, TemplateRow>> {
  if (!ids.length) return new Map();
  const wanted = sql`(select x::bigint from jsonb_array_elements_text(${JSON.stringify([...new Set(ids)])}::jsonb) x)`;
  const rows = await db.execute<TemplateRow>(sql`
    select distinct on (template_id) template_id as id, subject, html, text from run_steps
    where campaign_id = ${campaignId} and run_id = ${runId} and template_id in ${wanted}
    union all
    select t.id, t.subject, t.html, t.text from templates t
    where not exists (select 1 from run_steps where campaign_id = ${campaignId} and run_id = ${runId})
      and t.id in ${wanted}`);
  return new Map(rows.map((t) => [Number(t.id), t]));
}

/**
 * A lane's first look at its run: when the run added more than a fifth of
 * what PostgreSQL's statistics say scheduled_emails holds, analyze it and
 * run_recipients before the first batch (one lane; the other goes on).
 * Besides fresh statistics, the ANALYZE makes every connection re-plan its
 * prepared statements: a generic plan made while the tables were small (a
 * first campaign of 2,000) read scheduled_emails whole for every batch of a
 * later run of 1,000,000, and nothing else re-plans it on a server without
 * autovacuum (decision 051).
 */
export async function refreshStatisticsFor(db: Database, campaignId: number, runId: number) {
  await db.transaction(async (tx) => {
    const [row] = await tx.execute<{ grown: boolean }>(sql`
      select r.scheduled_count >= 5000 and r.scheduled_count > 0.2 * greatest(c.reltuples, 0) and pg_try_advisory_xact_lock(${STATISTICS_LOCK}::int, 0) as grown
      from campaign_runs r, pg_class c
      where r.campaign_id = ${campaignId} and r.id = ${runId} and c.oid = 'scheduled_emails'::regclass`);
    if (row?.grown) await tx.execute(sql`analyze scheduled_emails, run_recipients`);
  });
}
const STATISTICS_LOCK = 7_246_051;

/**
 * Emails of one campaign by id, as rows `k(campaign_id, id, sender_id)` to
 * join on the primary key. The campaign is a value of each row, not a
 * constant: a constant lets the planner scan the whole campaign when its
 * statistics think the campaign small (see recordingStatements).
 */
function keyed(campaignId: number, rows: Array<{ id: number; sender_id?: number | null }>) {
  const input = rows.map((r) => ({ campaign_id: campaignId, id: r.id, sender_id: r.sender_id ?? null }));
  return sql`jsonb_to_recordset(${JSON.stringify(input)}::jsonb) as k(campaign_id bigint, id bigint, sender_id bigint)`;
}

// An SMS step is suppressed by the phone suppression list (STOP), an email step by the address's (docs/decisions/040).
const rowColumns = sql`e.id, e.recipient_id, e.step_number, e.template_id, e.attempts, r.email, r.replied_at, st.stop_on_reply,
  l.first_name, l.last_name, l.company, l.attributes, st.channel, l.phone,
  case when st.channel = 'sms' then exists (select 1 from phone_suppressions ps where ps.phone = l.phone)
       else exists (select 1 from suppressions s where lower(s.email) = lower(r.email)) end as suppressed`;

/** `senders`: the campaign's email identities, listed by the claim itself (a campaign without any needs no statement more). */
export type ClaimRow = BatchRow & { key: string; suppressed: boolean; senders?: Identity[] };

/**
 * Claims up to `size` due emails and fixes them as one batch, in one
 * transaction: recipients suppressed or replied are skipped now, senders are
 * assigned, every email is rendered, and the request body is stored with the
 * rows' key. Call it only once the rate-limit slots are held.
 */
export async function claimBatch(services: Services, campaign: CampaignForSending, size: number, workerId: string, cursor?: ClaimCursor): Promise<FixedBatch | "stopped" | null> {
  return services.db.transaction(async (tx) => {
    const rows = await claimRows(tx, campaign, size, workerId, true, cursor);
    if (rows === "stopped" || !rows.length) return rows === "stopped" ? "stopped" : null;
    return fixBatch(tx, services, campaign, rows[0]!.key, rows, workerId, false);
  });
}

type ClaimPoint = { at: string; id: number };
const FRONT: ClaimPoint = { at: "-infinity", id: 0 };

/**
 * Where a lane's claims have reached in claim order (scheduled_for, id).
 * Every email a run has sent leaves a dead entry at the front of the due
 * index until VACUUM; a claim that always starts from the front walks all of
 * them, so at 500,000 sent it read 3,000 index pages for a batch of 100. A
 * lane's claim starts instead where its claim TRAIL claims back ended: it
 * walks again the entries of the emails just sent (its own and other lanes'),
 * while their pages are in memory, and marks them dead, so they cost nothing
 * to walk later and are never all visited at once. An email can come back
 * behind the cursor (a batch rolled back, rows released, a step waiting on
 * its previous one), so the claim starts from the front again when nothing
 * is found after the cursor and at least every REWIND_MS: a lane never ends
 * while something is due, and nothing waits long (docs/decisions/050).
 */
export class ClaimCursor {
  static readonly REWIND_MS = 60_000;
  static readonly TRAIL = 2;
  /** Where the lane's latest claims ended, oldest first (at most TRAIL). */
  private ends: ClaimPoint[] = [];
  private rewound = performance.now();

  /** The point to claim after: the front at first, and once REWIND_MS have passed since the claim last started there. */
  from(): ClaimPoint {
    if (performance.now() - this.rewound >= ClaimCursor.REWIND_MS) this.rewind();
    return this.ends.length === ClaimCursor.TRAIL ? this.ends[0]! : FRONT;
  }

  rewind() {
    this.ends = [];
    this.rewound = performance.now();
  }

  /** After a claim: the last email it took in claim order. */
  advance(rows: Array<{ cursor_at: string; cursor_id: number | string }>) {
    if (!rows[0]) return;
    this.ends = [...this.ends, { at: rows[0].cursor_at, id: Number(rows[0].cursor_id) }].slice(-ClaimCursor.TRAIL);
  }
}

/**
 * Under the run's pause barrier (held until the caller's transaction ends):
 * the run's status, then up to `size` due emails with one fresh key, joined
 * with what rendering needs. "stopped" when the run is not sending.
 * `leased` (a batch that outlives this transaction): the rows become
 * `sending`, leased to this worker. Otherwise (the caller records them in this
 * same transaction) they stay `pending`, held by their row locks alone: each
 * email's row is then written once, not twice (decision 022).
 * `cursor`: the lane's place in claim order (ClaimCursor); without one the claim starts at the front.
 */
export async function claimRows(tx: Executor, campaign: CampaignForSending, size: number, workerId: string, leased = true, cursor = new ClaimCursor()): Promise<ClaimRow[] | "stopped"> {
  // Under the pause barrier: a pause never interleaves with a claim (their row and run locks would deadlock).
  // The claim reads the run's status itself (its snapshot starts after the barrier was granted); only an empty claim asks why.
  // The claim is sent right behind the barrier's request (pipelined): PostgreSQL runs it once the barrier is granted.
  const from = cursor.from();
  let [, rows] = await Promise.all([lockRunShared(tx, campaign.runId), claim(tx, campaign, size, workerId, leased, from)]);
  if (!rows.length && from !== FRONT) {
    // Nothing after the cursor: whatever is still due lies behind it.
    cursor.rewind();
    rows = await claim(tx, campaign, size, workerId, leased, FRONT);
  }
  cursor.advance(rows);
  if (rows.length) return rows;
  const [run] = await tx.execute<{ status: string }>(sql`select status from campaign_runs where campaign_id = ${campaign.id} and id = ${campaign.runId}`);
  return run?.status === "SENDING" ? [] : "stopped";
}

/** The claim itself: one statement. Keep the due selection's shape: the due index is built for it. */
function claim(tx: Executor, campaign: CampaignForSending, size: number, workerId: string, leased: boolean, after: ClaimPoint) {
  return prepared<ClaimRow & { cursor_at: string; cursor_id: string }>(tx, sql`
    with due as (
      select e.campaign_id, e.id, e.recipient_id, e.step_number, e.template_id, e.attempts, e.scheduled_for from scheduled_emails e
      where e.campaign_id = ${campaign.id} and e.run_id = ${campaign.runId} and e.status = 'pending' and e.scheduled_for <= now()
        and (e.scheduled_for, e.id) > (${after.at}::text::timestamptz, ${after.id}::bigint)
        and exists (select 1 from campaign_runs cr where cr.campaign_id = ${campaign.id} and cr.id = ${campaign.runId} and cr.status = 'SENDING')
        -- A step waits until the recipient's previous step is done (and that one waited for its own).
        -- An exact-key lookup per row; "offset 0" keeps the planner from hashing the whole table instead (decision 013).
        and (e.step_number = 1 or not exists (
          select 1 from scheduled_emails p
          where p.campaign_id = e.campaign_id and p.recipient_id = e.recipient_id and p.step_number = e.step_number - 1
            and p.status in ('pending', 'paused', 'sending') offset 0))
      order by e.scheduled_for, e.id
      limit ${size}
      for update skip locked
    ), batch as (
      -- Unique per claim: a key is never reused for another payload.
      select 'herald-' || encode(sha256(convert_to(string_agg(id::text, ',' order by id) || '@' || clock_timestamp()::text, 'UTF8')), 'hex') as key from due having count(*) > 0
    ), last as (
      -- Where the next claim of this lane starts (ClaimCursor).
      select scheduled_for::text as cursor_at, id as cursor_id from due order by scheduled_for desc, id desc limit 1
    ), claimed as (${leased
      ? sql`
      update scheduled_emails e
      set status = 'sending', locked_by = ${workerId}, locked_until = now() + ${LEASE}, attempts = e.attempts + 1,
          idempotency_key = batch.key, updated_at = now()
      from due, batch
      where e.campaign_id = due.campaign_id and e.id = due.id
      returning e.campaign_id, e.id, e.recipient_id, e.step_number, e.template_id, e.attempts, batch.key`
      : sql`
      select due.campaign_id, due.id, due.recipient_id, due.step_number, due.template_id, due.attempts + 1 as attempts, batch.key from due, batch`}
    )
    select e.key, ${rowColumns}, ${emailIdentities(campaign.id)} as senders, last.cursor_at, last.cursor_id
    from claimed e
    cross join last
    join run_recipients r on r.campaign_id = e.campaign_id and r.id = e.recipient_id
    join leads l on l.id = r.lead_id
    join sequence_steps st on st.campaign_id = e.campaign_id and st.step_number = e.step_number
    order by e.id`);
}

/** What is decided about claimed rows: who is skipped and why, and every other email rendered with its sender. */
export interface Decided {
  skipped: Outcome[];
  sendable: ClaimRow[];
  senderIds: Array<number | null>;
  emails: OutgoingEmail[];
}

/**
 * Skips suppressed and replied recipients, renders every other email from the
 * run's templates (`templates` caches them for a lane: a run's copies never
 * change), then, for a campaign with email sender identities, locks them and
 * assigns one to each email (rotating by email id, so the choice never
 * depends on which lane or worker claimed it) within what each one's daily
 * cap leaves today (UTC); what none can take waits for tomorrow, saying why.
 * The identities are locked after rendering, so a lane holds them from that
 * round trip to its commit, not while Node renders (docs/decisions/039).
 */
export async function decideBatch(tx: Executor, services: Services, campaign: CampaignForSending, rows: ClaimRow[], templates?: Map<number, TemplateRow>, leased = true): Promise<Decided> {
  const skipped: Outcome[] = [];
  let sendable: ClaimRow[] = [];
  for (const row of rows) {
    if (row.channel === "sms" && !row.phone) skipped.push({ row, kind: "skipped", error: "the lead has no phone number" });
    else if (row.suppressed) skipped.push({ row, kind: "skipped", error: row.channel === "sms" ? "the phone number opted out (STOP)" : "address is suppressed" });
    else if (row.replied_at && row.stop_on_reply) skipped.push({ row, kind: "skipped", error: "recipient replied" });
    else sendable.push(row);
  }
  // Text messages go from the SMS senders (sendersForTexts); email sender identities and their caps are for email alone.
  let texts = sendable.filter((r) => r.channel === "sms");
  if (texts.length) sendable = sendable.filter((r) => r.channel !== "sms");
  const template = await loadMissing(tx, campaign, sendable, templates);
  let emails = sendable.map((row) => composeEmail(row, template(row.template_id), campaign, null, services.config.publicUrl, services.secret));
  let senderIds: Array<number | null> = sendable.map(() => null);
  const identities = sendable.length ? rows[0]?.senders ?? (await emailIdentitiesOf(tx, campaign.id)) : [];
  // Locked and read only now; deleted meanwhile, they are gone (the campaign's own address sends, as for a campaign without any).
  const senders = identities.length ? await lockedEmailSenders(tx, identities.map((s) => s.id)) : [];
  if (senders.length) {
    const assigned = assignSenders(sendable.length, senders, sendable[0]!.id);
    if (assigned.some((s) => s === null)) {
      await waitForTomorrow(tx, campaign.id, sendable.filter((_r, i) => assigned[i] === null).map((r) => r.id), leased, CAP_NOTES.email);
      sendable = sendable.filter((_r, i) => assigned[i] !== null);
      emails = emails.filter((_e, i) => assigned[i] !== null);
    }
    const chosen = assigned.filter((s) => s !== null);
    emails = emails.map((email, i) => ({ ...email, from: fromAddress(campaign, chosen[i]!) }));
    senderIds = chosen.map((s) => s.id);
  }
  if (texts.length) {
    let smsSenders: Array<SmsSender | null>;
    ({ texts, smsSenders } = await sendersForTexts(tx, services, campaign, texts, leased));
    const smsTemplates = await loadMissing(tx, campaign, texts, templates);
    return {
      skipped, sendable: [...sendable, ...texts], senderIds: [...senderIds, ...smsSenders.map((s) => s?.id ?? null)],
      emails: [...emails, ...texts.map((row, i) => composeSms(row, smsTemplates(row.template_id), campaign, services.config, smsSenders[i]?.from ?? null))],
    };
  }
  return { skipped, sendable, senderIds, emails };
}

/** Why an email or a text waits for tomorrow although it is due: shown on the run page (server/runs/waiting.ts). */
export const CAP_NOTES = {
  email: "every sender identity of the campaign reached its daily cap; it goes tomorrow (UTC), when the caps renew",
  sms: "every SMS sender of the campaign reached its daily cap; it goes tomorrow (UTC), when the caps renew",
} as const;

/**
 * Texts go from the campaign's SMS senders, rotated by message id among those
 * with capacity left today; those none can take wait for tomorrow (decision
 * 045). Without any SMS sender (no identity, nothing configured) they go as
 * "Herald" to the Outbox, uncapped.
 */
async function sendersForTexts(tx: Executor, services: Services, campaign: CampaignForSending, texts: ClaimRow[], leased: boolean) {
  const pool = await smsSendersNow(tx, campaign.id, services.config);
  if (!pool.length) return { texts, smsSenders: texts.map(() => null) };
  const chosen = assignSenders(texts.length, pool, texts[0]!.id);
  if (chosen.every((s) => s !== null)) return { texts, smsSenders: chosen };
  await waitForTomorrow(tx, campaign.id, texts.filter((_r, i) => chosen[i] === null).map((r) => r.id), leased, CAP_NOTES.sms);
  return { texts: texts.filter((_r, i) => chosen[i] !== null), smsSenders: chosen.filter((s) => s !== null) };
}

/** Claimed emails that no sender can take today go back to pending until tomorrow (UTC), saying why. */
async function waitForTomorrow(tx: Executor, campaignId: number, ids: number[], leased: boolean, note: string) {
  const tomorrow = sql`date_trunc('day', now() at time zone 'UTC') at time zone 'UTC' + interval '1 day'`;
  await tx.execute(sql`
    update scheduled_emails e set scheduled_for = ${tomorrow}, error = ${note}, updated_at = now()
      ${leased ? sql`, status = 'pending', locked_by = null, locked_until = null, idempotency_key = null, sender_id = null, attempts = greatest(e.attempts - 1, 0)` : sql``}
    from ${keyed(campaignId, ids.map((id) => ({ id })))}
    where e.campaign_id = k.campaign_id and e.id = k.id and ${leased ? sql`e.status = 'sending'` : sql`e.status::text = 'pending'`}`);
}

async function loadMissing(tx: Executor, campaign: CampaignForSending, rows: ClaimRow[], templates?: Map<number, TemplateRow>) {
  const missing = rows.map((r) => r.template_id).filter((id) => !templates?.has(id));
  const loaded = missing.length ? await loadTemplatesForSending(tx, campaign.id, campaign.runId, missing) : new Map<number, TemplateRow>();
  for (const [id, t] of loaded) templates?.set(id, t);
  return (id: number) => templates?.get(id) ?? loaded.get(id)!;
}

/** Decides everything about a claimed batch and stores its request body. */
async function fixBatch(tx: Transaction, services: Services, campaign: CampaignForSending, key: string, rows: ClaimRow[], workerId: string, retaken: boolean): Promise<FixedBatch> {
  const { skipped, sendable, senderIds: ids, emails } = await decideBatch(tx, services, campaign, rows);
  // Pipelined: a campaign's email identities stay locked from their reading (decideBatch) to this transaction's commit.
  const writes: Array<Promise<unknown>> = skipped.length ? [recordOutcomes(tx, campaign.id, campaign.runId, workerId, skipped, { hasLaterSteps: false })] : [];
  if (!sendable.length) {
    await Promise.all(writes);
    return { key, payload: "[]", emails: [], handedAt: null, retaken, skipped: skipped.length };
  }
  const payload = JSON.stringify(emails);
  // From here until recorded, each email counts as in flight against its sender's cap (`sending` with its sender_id).
  writes.push(prepared(tx, sql`
    update scheduled_emails e set sender_id = k.sender_id
    from ${keyed(campaign.id, sendable.map((row, i) => ({ id: row.id, sender_id: ids[i] ?? null })))}
    where e.campaign_id = k.campaign_id and e.id = k.id`));
  writes.push(prepared(tx, sql`
    insert into send_batches (campaign_id, idempotency_key, run_id, payload, payload_sha256)
    values (${campaign.id}, ${key}, ${campaign.runId}, ${payload}, ${sha256(payload)})`));
  await Promise.all(writes);
  return { key, payload, emails, handedAt: null, retaken, skipped: skipped.length };
}

/**
 * A batch whose worker stopped (its lease ran out, or a probe after an
 * outage) is taken over whole, with its key and its stored request body.
 */
export async function retakeBatch(services: Services, campaign: CampaignForSending, workerId: string): Promise<FixedBatch | null> {
  const { db } = services;
  const [candidate] = await db.execute<{ key: string }>(sql`
    select idempotency_key as key from scheduled_emails
    where campaign_id = ${campaign.id} and run_id = ${campaign.runId} and status = 'sending' and locked_until < now()
    order by locked_until limit 1`);
  if (!candidate) return null;
  const taken = await db.execute(sql`
    update scheduled_emails set locked_by = ${workerId}, locked_until = now() + ${LEASE}, attempts = attempts + 1, updated_at = now()
    where campaign_id = ${campaign.id} and idempotency_key = ${candidate.key} and status = 'sending' and locked_until < now()
    returning 1`);
  if (!taken.length) return null;
  const [stored] = await db.execute<{ payload: string; first_handed_at: string | null }>(sql`
    select payload, first_handed_at from send_batches where campaign_id = ${campaign.id} and idempotency_key = ${candidate.key}`);
  if (stored) {
    return { key: candidate.key, payload: stored.payload, emails: JSON.parse(stored.payload) as OutgoingEmail[], handedAt: stored.first_handed_at ? new Date(stored.first_handed_at) : null, retaken: true, skipped: 0 };
  }
  // Claimed by a release without stored bodies: fix it now (its old key is kept).
  return db.transaction(async (tx) => {
    const rows = await tx.execute<ClaimRow>(sql`
      select ${candidate.key} as key, ${rowColumns}
      from scheduled_emails e
      join run_recipients r on r.campaign_id = e.campaign_id and r.id = e.recipient_id
      join leads l on l.id = r.lead_id
      join sequence_steps st on st.campaign_id = e.campaign_id and st.step_number = e.step_number
      where e.campaign_id = ${campaign.id} and e.idempotency_key = ${candidate.key} and e.status = 'sending' and e.locked_by = ${workerId}
      order by e.id`);
    return rows.length ? fixBatch(tx, services, campaign, candidate.key, rows, workerId, true) : null;
  });
}

/** The rows of a batch still waiting for their outcome, by id. */
export async function pendingRowsOf(db: Executor, campaignId: number, key: string, workerId: string): Promise<Map<number, BatchRow & { sender_id: number | null }>> {
  const rows = await db.execute<BatchRow & { sender_id: number | null }>(sql`
    select e.id, e.recipient_id, e.step_number, e.template_id, e.attempts, e.sender_id, r.email, r.replied_at, false as stop_on_reply,
           null as first_name, null as last_name, null as company, null as attributes
    from scheduled_emails e join run_recipients r on r.campaign_id = e.campaign_id and r.id = e.recipient_id
    where e.campaign_id = ${campaignId} and e.idempotency_key = ${key} and e.status = 'sending' and e.locked_by = ${workerId}`);
  return new Map(rows.map((r) => [Number(r.id), r]));
}

/** Replaces the body of a batch no provider has seen yet, and marks it handed (committed before the call). */
export async function markHanded(db: Executor, campaignId: number, batch: FixedBatch, emails: OutgoingEmail[]) {
  const changed = !batch.handedAt && emails !== batch.emails;
  const payload = changed ? JSON.stringify(emails) : null;
  const [row] = await db.execute<{ first_handed_at: string }>(sql`
    update send_batches set first_handed_at = coalesce(first_handed_at, now())
      ${payload !== null ? sql`, payload = case when first_handed_at is null then ${payload} else payload end, payload_sha256 = case when first_handed_at is null then ${sha256(payload)} else payload_sha256 end` : sql``}
    where campaign_id = ${campaignId} and idempotency_key = ${batch.key}
    returning first_handed_at`);
  if (payload !== null) {
    batch.payload = payload;
    batch.emails = emails;
  }
  batch.handedAt = row ? new Date(row.first_handed_at) : new Date();
}

export async function forgetBatch(db: Executor, campaignId: number, key: string) {
  await db.execute(sql`delete from send_batches where campaign_id = ${campaignId} and idempotency_key = ${key}`);
}

/** Emails that never reached a provider go back (paused, cancelled, or capped until tomorrow). */
export async function releaseRows(db: Executor, campaignId: number, ids: number[], status: "pending" | "paused" | "cancelled", scheduledFor?: SQL) {
  await db.execute(sql`
    update scheduled_emails set status = ${status}::scheduled_email_status, locked_by = null, locked_until = null, idempotency_key = null,
      sender_id = null, attempts = greatest(attempts - 1, 0), updated_at = now() ${scheduledFor ? sql`, scheduled_for = ${scheduledFor}` : sql``}
    where campaign_id = ${campaignId} and id in (select x::bigint from jsonb_array_elements_text(${JSON.stringify(ids)}::jsonb) x) and status = 'sending'`);
}

/** A batch that may be at the provider goes back to waiting for a retake at `at`, with its key and body. */
export async function deferBatch(db: Executor, campaignId: number, key: string, at: Date | null, error: string | null) {
  await db.execute(sql`
    update scheduled_emails set locked_by = null, locked_until = coalesce(${at ? at.toISOString() : null}::timestamptz, now()), error = coalesce(${error}, error), updated_at = now()
    where campaign_id = ${campaignId} and idempotency_key = ${key} and status = 'sending'`);
}
