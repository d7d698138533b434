import { sql } from "drizzle-orm";
import type { Executor } from "../../db/client";
import { enqueue } from "../queue";
import { MACHINE_CLICK_WINDOW_MS, MACHINE_OPEN_WINDOW_MS, type MachineReason } from "./machine";

export type HitType = "delivered" | "delivery_delayed" | "failed" | "bounced" | "complained" | "opened" | "clicked";

export interface Hit {
  campaignId: number;
  scheduledEmailId: number;
  type: HitType;
  machine?: boolean;
  /** Why the request alone says machine (machine.ts); stored on the event as data.machineReasons. */
  reasons?: MachineReason[];
  occurredAt?: Date;
  data?: Record<string, unknown>;
  userAgent?: string;
  ip?: string;
  /** Also flag as machine when it comes this soon after the send (opens). */
  machineWithinMs?: number;
  /** The provider's delivery id: the same id twice is recorded once. */
  providerEventId?: string;
}

/** A click's event and email, for the fold's burst judgement; other events leave the two columns empty. */
const CLICK_ONLY = sql.raw("case when type = 'clicked' then id end, case when type = 'clicked' then scheduled_email_id end");

/**
 * Appends one event for a sent email and queues it for the fold, in one
 * statement: dedupe by provider event id, the event itself, the fold queue row.
 * Returns false when the email is unknown or the event was a duplicate.
 */
export async function recordHit(db: Executor, hit: Hit): Promise<boolean> {
  const at = (hit.occurredAt ?? new Date()).toISOString();
  const data = JSON.stringify(hit.reasons?.length ? { ...hit.data, machineReasons: hit.reasons } : hit.data ?? {});
  const [row] = await db.execute<{ recorded: number }>(sql`
    with target as (
      select campaign_id, run_id, recipient_id, id,
             (${hit.machineWithinMs ?? null}::int is not null and ${at}::timestamptz - sent_at < make_interval(secs => ${(hit.machineWithinMs ?? 0) / 1000})) as early
      from scheduled_emails
      where campaign_id = ${hit.campaignId} and id = ${hit.scheduledEmailId} and status = 'sent'
    ), fresh as (
      insert into provider_events (provider_event_id)
      select ${hit.providerEventId ?? null}::text where ${hit.providerEventId ?? null}::text is not null and exists (select 1 from target)
      on conflict do nothing returning 1
    ), ev as (
      insert into email_events (campaign_id, run_id, recipient_id, scheduled_email_id, type, occurred_at, data, machine, user_agent, ip, provider_event_id)
      select t.campaign_id, t.run_id, t.recipient_id, t.id, ${hit.type}::email_event_type, ${at}::timestamptz,
             case when t.early then jsonb_set(${data}::jsonb, '{machineReasons}', coalesce(${data}::jsonb->'machineReasons', '[]'::jsonb) || '["early"]'::jsonb) else ${data}::jsonb end,
             ${(hit.machine ?? false) || Boolean(hit.reasons?.length)} or t.early,
             ${hit.userAgent?.slice(0, 500) ?? null}, ${hit.ip ?? null}::inet, ${hit.providerEventId ?? null}
      from target t
      where ${hit.providerEventId ?? null}::text is null or exists (select 1 from fresh)
      returning campaign_id, id, run_id, recipient_id, scheduled_email_id, type, machine, occurred_at
    ), queued as (
      insert into event_folds (campaign_id, run_id, recipient_id, type, machine, occurred_at, event_id, scheduled_email_id)
      select campaign_id, run_id, recipient_id, type, machine, occurred_at, ${CLICK_ONLY} from ev
      returning 1
    )
    select count(*)::int as recorded from queued`);
  return (row?.recorded ?? 0) > 0;
}

let lastFoldRequest = 0;

/**
 * Asks for a fold a second from now, at most once a second per process: a job
 * per hit would make every hit contend on the same job row. A cron job folds
 * every minute as well, in case a process stops right after recording.
 */
export async function requestFold(db: Executor): Promise<void> {
  const now = Date.now();
  if (now - lastFoldRequest < 1000) return;
  lastFoldRequest = now;
  await enqueue(db, "fold-events", {}, { jobKey: "fold-events", jobKeyMode: "preserve_run_at", runAt: new Date(now + 1000), queueName: "fold" });
}

/**
 * Group commit for the tracking endpoints: hits that arrive within a few
 * milliseconds of each other are written by one statement, and each request
 * is answered only after the statement holding its hit has committed, so
 * nothing answered is ever lost.
 */
export function createHitWriter(db: Executor, options: { maxBatch?: number; maxWaitMs?: number } = {}) {
  const maxBatch = options.maxBatch ?? 500;
  const maxWaitMs = options.maxWaitMs ?? 5;
  let pending: Array<{ hit: Hit; done: (ok: boolean) => void; fail: (e: unknown) => void }> = [];
  let timer: NodeJS.Timeout | null = null;

  async function flush() {
    timer = null;
    const batch = pending;
    pending = [];
    if (!batch.length) return;
    const rows = batch.map(({ hit }, i) => hitRow(hit, i));
    try {
      const recorded = await db.execute<{ i: number }>(judgedHitsStatement(rows));
      const ok = new Set(recorded.map((r) => r.i));
      batch.forEach((b, i) => b.done(ok.has(i)));
      if (ok.size) await requestFold(db);
    } catch (error) {
      batch.forEach((b) => b.fail(error));
    }
  }

  return {
    record(hit: Hit): Promise<boolean> {
      return new Promise((done, fail) => {
        pending.push({ hit, done, fail });
        if (pending.length >= maxBatch) void flush();
        else timer ??= setTimeout(() => void flush(), maxWaitMs);
      });
    },
  };
}

/** A hit as one row of the judging statement's input. */
export function hitRow(hit: Hit, i: number) {
  return {
    i, campaign_id: hit.campaignId, scheduled_email_id: hit.scheduledEmailId, type: hit.type,
    reasons: [...(hit.reasons ?? []), ...(hit.machine && !hit.reasons?.length ? ["flagged"] : [])],
    window_ms: hit.machineWithinMs ?? (hit.type === "clicked" ? MACHINE_CLICK_WINDOW_MS : hit.type === "opened" ? MACHINE_OPEN_WINDOW_MS : null),
    at: (hit.occurredAt ?? new Date()).toISOString(), data: hit.data ?? {}, user_agent: hit.userAgent?.slice(0, 500) ?? null, ip: hit.ip ?? null,
  };
}

/**
 * One statement records a batch of hits, judged from what it reads anyway:
 * the email's sent time ("early"), with the reasons the request gave. Bursts
 * (several links of one email within a few seconds) are judged by the fold,
 * once every click of the window is in the log (fold.ts, decision 023), so a
 * batch of clicks costs what a batch of opens does: no probe of the log and
 * no update of it on this path. A click's event id goes into its fold row.
 */
export function judgedHitsStatement(rows: Array<ReturnType<typeof hitRow>>) {
  return sql`
    with h as (
      select * from jsonb_to_recordset(${JSON.stringify(rows)}::jsonb)
        as h(i int, campaign_id bigint, scheduled_email_id bigint, type text, reasons jsonb, window_ms int, at timestamptz, data jsonb, user_agent text, ip text)
    ), judged as materialized (
      select h.i, h.campaign_id, e.run_id, e.recipient_id, h.scheduled_email_id, h.type, h.at, h.data, h.user_agent, h.ip, h.reasons
        || case when h.window_ms is not null and h.at - e.sent_at < make_interval(secs => h.window_ms / 1000.0) then '["early"]'::jsonb else '[]'::jsonb end as why
      from h join scheduled_emails e on e.campaign_id = h.campaign_id and e.id = h.scheduled_email_id and e.status = 'sent'
    ), ev as (
      insert into email_events (campaign_id, run_id, recipient_id, scheduled_email_id, type, occurred_at, data, machine, user_agent, ip)
      select j.campaign_id, j.run_id, j.recipient_id, j.scheduled_email_id, j.type::email_event_type, j.at,
             case when jsonb_array_length(j.why) > 0 then j.data || jsonb_build_object('machineReasons', j.why) else j.data end,
             jsonb_array_length(j.why) > 0, j.user_agent, j.ip::inet
      from judged j
      returning campaign_id, id, run_id, recipient_id, scheduled_email_id, type, machine, occurred_at
    ), queued as (
      insert into event_folds (campaign_id, run_id, recipient_id, type, machine, occurred_at, event_id, scheduled_email_id)
      select campaign_id, run_id, recipient_id, type, machine, occurred_at, ${CLICK_ONLY} from ev
      returning 1
    )
    -- Every judged hit is inserted: its index is the answer. Reading the count of queued rows (one pass, not one per
    -- hit) makes the inserts run under the statement's top node, so EXPLAIN ANALYZE's buffers there count all the work.
    select i from judged where (select count(*) from queued) >= 0`;
}
