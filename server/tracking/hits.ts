import { sql } from "drizzle-orm";
import type { Executor } from "../../db/client";

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
 * statement: dedupe by provider event id, the event itself, the fold queue
 * row, and a debounced fold job (at most one waiting, a second from now).
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
    ), job as (
      select graphile_worker.add_job('fold-events', '{}'::json, queue_name := 'fold', run_at := now() + interval '1 second',
                                     job_key := 'fold-events', job_key_mode := 'preserve_run_at')
      from queued limit 1
    )
    select (select count(*) from queued)::int + 0 * (select count(*) from job)::int as recorded`);
  return (row?.recorded ?? 0) > 0;
}
