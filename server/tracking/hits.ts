import { sql } from "drizzle-orm";
import type { Executor } from "../../db/client";
import { enqueue } from "../queue";

export type HitType = "delivered" | "delivery_delayed" | "failed" | "bounced" | "complained" | "opened" | "clicked";

export interface Hit {
  campaignId: number;
  scheduledEmailId: number;
  type: HitType;
  machine?: boolean;
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
  const [row] = await db.execute<{ recorded: number }>(sql`
    with target as (
      select campaign_id, run_id, recipient_id, id, sent_at from scheduled_emails
      where campaign_id = ${hit.campaignId} and id = ${hit.scheduledEmailId} and status = 'sent'
    ), fresh as (
      insert into provider_events (provider_event_id)
      select ${hit.providerEventId ?? null}::text where ${hit.providerEventId ?? null}::text is not null and exists (select 1 from target)
      on conflict do nothing returning 1
    ), ev as (
      insert into email_events (campaign_id, run_id, recipient_id, scheduled_email_id, type, occurred_at, data, machine, user_agent, ip, provider_event_id)
      select t.campaign_id, t.run_id, t.recipient_id, t.id, ${hit.type}::email_event_type, ${at}::timestamptz, ${JSON.stringify(hit.data ?? {})}::jsonb,
             ${hit.machine ?? false} or (${hit.machineWithinMs ?? null}::int is not null and ${at}::timestamptz - t.sent_at < make_interval(secs => ${(hit.machineWithinMs ?? 0) / 1000})),
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
    const rows = batch.map(({ hit }, i) => ({
      i, campaign_id: hit.campaignId, scheduled_email_id: hit.scheduledEmailId, type: hit.type, machine: hit.machine ?? false,
      machine_within_ms: hit.machineWithinMs ?? null, at: (hit.occurredAt ?? new Date()).toISOString(), data: hit.data ?? {},
      user_agent: hit.userAgent?.slice(0, 500) ?? null, ip: hit.ip ?? null,
    }));
    try {
      const recorded = await db.execute<{ i: number }>(sql`
        with h as (
          select * from jsonb_to_recordset(${JSON.stringify(rows)}::jsonb)
            as h(i int, campaign_id bigint, scheduled_email_id bigint, type text, machine boolean, machine_within_ms int, at timestamptz, data jsonb, user_agent text, ip text)
        ), ev as (
          insert into email_events (campaign_id, run_id, recipient_id, scheduled_email_id, type, occurred_at, data, machine, user_agent, ip)
          select e.campaign_id, e.run_id, e.recipient_id, e.id, h.type::email_event_type, h.at, h.data,
                 h.machine or (h.machine_within_ms is not null and h.at - e.sent_at < make_interval(secs => h.machine_within_ms / 1000.0)),
                 h.user_agent, h.ip::inet
          from h join scheduled_emails e on e.campaign_id = h.campaign_id and e.id = h.scheduled_email_id and e.status = 'sent'
          returning campaign_id, run_id, recipient_id, type, machine, occurred_at, scheduled_email_id
        ), queued as (
          insert into event_folds (campaign_id, run_id, recipient_id, type, machine, occurred_at)
          select campaign_id, run_id, recipient_id, type, machine, occurred_at from ev
          returning 1
        )
        select h.i from h where exists (select 1 from ev where ev.campaign_id = h.campaign_id and ev.scheduled_email_id = h.scheduled_email_id)
          and (select count(*) from queued) >= 0`);
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
