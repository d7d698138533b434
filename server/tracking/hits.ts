import { sql, type SQL } from "drizzle-orm";
import type { Executor } from "../../db/client";
import { enqueue } from "../queue";
import { BURST_WINDOW_MS, MACHINE_CLICK_WINDOW_MS, MACHINE_OPEN_WINDOW_MS, type MachineReason } from "./machine";

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
      returning campaign_id, run_id, recipient_id, type, machine, occurred_at
    ), queued as (
      insert into event_folds (campaign_id, run_id, recipient_id, type, machine, occurred_at)
      select campaign_id, run_id, recipient_id, type, machine, occurred_at from ev
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
    link: typeof hit.data?.link === "string" ? hit.data.link : null,
    at: (hit.occurredAt ?? new Date()).toISOString(), data: hit.data ?? {}, user_agent: hit.userAgent?.slice(0, 500) ?? null, ip: hit.ip ?? null,
  };
}

/** The "burst" lookups, only for batches with clicks: a batch of opens does not plan a probe of the log. */
function burstCtes(span: (column: SQL) => SQL, burst: SQL) {
  return sql`prev as (
      select distinct t.i from t
      cross join lateral (
        select 1 from email_events p
        where p.campaign_id = t.campaign_id and p.recipient_id = t.recipient_id and p.type = 'clicked' and p.scheduled_email_id = t.scheduled_email_id
          and ${span(sql`p.occurred_at`)} and p.occurred_at between t.at - ${burst} and t.at + ${burst} and p.data->>'link' is distinct from t.link
      ) p
      where t.type = 'clicked'
    ), burst as materialized (
      -- Hits with another link of their email clicked within the window: already logged, or in this batch
      -- (a window over each email's clicks: two links in the frame when its lowest and highest differ).
      select i from prev
      union
      select i from (
        select i, min(link) over w is distinct from max(link) over w as mixed from t where type = 'clicked'
        window w as (partition by campaign_id, scheduled_email_id order by at range between ${burst} preceding and ${burst} following)
      ) x where mixed`;
}

/**
 * One statement records a batch of hits, judged from what it reads anyway:
 * the email's sent time ("early"), and clicks of the same email on another
 * link within the burst window, in this batch or already recorded ("burst").
 * The earlier clicks of a burst are flagged by the fold, which holds clicks
 * back for the burst window and checks the committed log once more
 * (fold.ts), which keeps an UPDATE of the partitioned log off this hot
 * path. The lookup of earlier clicks is a LATERAL probe of
 * the recipient index, so its cost stays per hit, whatever the size of the log.
 */
export function judgedHitsStatement(rows: Array<ReturnType<typeof hitRow>>) {
  const burst = sql.raw(`make_interval(secs => ${BURST_WINDOW_MS / 1000})`);
  // The batch's time span as constants, so the planner prunes the log to the month partition(s) it touches:
  // planning the lookup over every monthly partition cost more than running it.
  const times = rows.map((r) => Date.parse(r.at));
  const from = new Date(Math.min(...times) - BURST_WINDOW_MS).toISOString();
  const to = new Date(Math.max(...times) + BURST_WINDOW_MS).toISOString();
  const span = (column: SQL) => sql`${column} between ${from}::timestamptz and ${to}::timestamptz`;
  return sql`
    with h as (
      select * from jsonb_to_recordset(${JSON.stringify(rows)}::jsonb)
        as h(i int, campaign_id bigint, scheduled_email_id bigint, type text, reasons jsonb, window_ms int, link text, at timestamptz, data jsonb, user_agent text, ip text)
    ), t as (
      select h.*, e.run_id, e.recipient_id, e.sent_at from h
      join scheduled_emails e on e.campaign_id = h.campaign_id and e.id = h.scheduled_email_id and e.status = 'sent'
    ), ${rows.some((r) => r.type === "clicked") ? burstCtes(span, burst) : sql`burst as (select null::int as i where false`}
    ), judged as materialized (
      select t.*, t.reasons
        || case when t.window_ms is not null and t.at - t.sent_at < make_interval(secs => t.window_ms / 1000.0) then '["early"]'::jsonb else '[]'::jsonb end
        || case when t.i in (select i from burst) then '["burst"]'::jsonb else '[]'::jsonb end as why
      from t
    ), ev as (
      insert into email_events (campaign_id, run_id, recipient_id, scheduled_email_id, type, occurred_at, data, machine, user_agent, ip)
      select j.campaign_id, j.run_id, j.recipient_id, j.scheduled_email_id, j.type::email_event_type, j.at,
             case when jsonb_array_length(j.why) > 0 then j.data || jsonb_build_object('machineReasons', j.why) else j.data end,
             jsonb_array_length(j.why) > 0, j.user_agent, j.ip::inet
      from judged j
      returning campaign_id, run_id, recipient_id, type, machine, occurred_at, scheduled_email_id
    ), queued as (
      insert into event_folds (campaign_id, run_id, recipient_id, type, machine, occurred_at)
      select campaign_id, run_id, recipient_id, type, machine, occurred_at from ev
      returning 1
    )
    select h.i from h where exists (select 1 from ev where ev.campaign_id = h.campaign_id and ev.scheduled_email_id = h.scheduled_email_id)
      and (select count(*) from queued) >= 0`;
}
