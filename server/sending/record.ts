import { sql } from "drizzle-orm";
import { prepared, type Executor } from "../../db/client";
import { counterBumps } from "../counters/bump";
import type { BatchRow } from "./compose";

export type Outcome =
  | { row: BatchRow; kind: "sent"; providerMessageId: string; senderId: number | null }
  | { row: BatchRow; kind: "failed"; error: string; senderId: number | null }
  | { row: BatchRow; kind: "skipped"; error: string }
  // The provider's answer cannot be known: shown as unknown, never failed, never re-sent.
  | { row: BatchRow; kind: "unknown"; error: string; senderId: number | null };

/**
 * The statements that record a batch (see recordOutcomes), for the caller to
 * run or EXPLAIN. Every row is found by its own key, and the key carries the
 * campaign as a value of the row, never as a constant: with a constant
 * campaign the planner may prefer "scan this campaign's pending emails and
 * hash them" whenever its statistics think the campaign is small (a table
 * never analyzed since a big run started, or a campaign newer than the
 * statistics), and read a million rows to record a hundred (decision 027).
 */
export function recordingStatements(campaignId: number, runId: number, workerId: string, outcomes: Outcome[], options: { hasLaterSteps: boolean; leased?: boolean } = { hasLaterSteps: true }) {
  // Leased rows are `sending` under this worker; unleased ones are `pending` rows this transaction holds locked (claimRows).
  // "status::text": a plain `status = 'pending'` would let the planner read the partial due index, whose key starts with
  // the campaign and the run, instead of the primary key (and on a table never analyzed it thinks that index empty).
  const held = options.leased === false ? sql`e.status::text = 'pending'` : sql`e.status = 'sending' and e.locked_by = ${workerId}`;
  const rows = outcomes.map((o) => ({
    campaign_id: campaignId,
    id: o.row.id,
    recipient_id: o.row.recipient_id,
    step_number: o.row.step_number,
    kind: o.kind,
    provider_message_id: o.kind === "sent" ? o.providerMessageId : null,
    error: o.kind === "sent" ? null : o.error,
    sender_id: o.kind === "skipped" ? null : o.senderId,
  }));
  const input = sql`jsonb_to_recordset(${JSON.stringify(rows)}::jsonb) as o(campaign_id bigint, id bigint, recipient_id bigint, step_number int, kind text, provider_message_id text, error text, sender_id bigint)`;

  const record = sql`
    with o as (select * from ${input}),
    updated as (
      update scheduled_emails e set
        status = o.kind::scheduled_email_status, provider_message_id = o.provider_message_id, error = o.error, sender_id = o.sender_id,
        sent_at = case when o.kind = 'sent' then now() end, locked_by = null, locked_until = null, updated_at = now()
        ${options.leased === false ? sql`, attempts = e.attempts + 1` : sql``}
      from o
      where e.campaign_id = o.campaign_id and e.id = o.id and ${held}
      returning e.campaign_id, e.id, e.recipient_id, e.step_number, o.kind, o.provider_message_id, o.error, o.sender_id
    ),
    -- Each row's channel comes from its step: a text message's events are sms_sent / sms_failed and move the SMS counters (decision 040).
    ch as (
      select u.*, coalesce(st.channel::text, 'email') as channel
      from updated u left join sequence_steps st on st.campaign_id = ${campaignId} and st.step_number = u.step_number
    ),
    events as (
      insert into email_events (campaign_id, run_id, recipient_id, scheduled_email_id, type, data)
      select ${campaignId}, ${runId}, u.recipient_id, u.id, (case when u.channel = 'sms' then 'sms_' || u.kind else u.kind end)::email_event_type,
             jsonb_strip_nulls(jsonb_build_object('provider_message_id', u.provider_message_id, 'error', u.error, 'step', u.step_number))
      from ch u where u.kind in ('sent', 'failed')
      returning 1
    ),
    recipients as (
      update run_recipients r set
        status = case
          when agg.any_failed then 'failed'::recipient_status
          when agg.any_sent and r.status in ('pending', 'queued') then 'sent'::recipient_status
          when agg.all_skipped and r.status = 'pending' then 'skipped'::recipient_status
          when agg.any_unknown and r.status in ('pending', 'queued') then 'unknown'::recipient_status
          else r.status end,
        first_sent_at = case when agg.any_email_sent then coalesce(r.first_sent_at, now()) else r.first_sent_at end,
        -- people texted (decision 047): the trigger on run_recipients counts each person once, in this statement
        first_texted_at = case when agg.any_text_sent then coalesce(r.first_texted_at, now()) else r.first_texted_at end,
        last_error = coalesce(agg.error, r.last_error), updated_at = now()
      from (
        select campaign_id, recipient_id, bool_or(kind = 'sent') as any_sent, bool_or(kind = 'failed') as any_failed,
               bool_and(kind = 'skipped') as all_skipped, bool_or(kind = 'unknown') as any_unknown, max(error) filter (where kind = 'failed') as error,
               -- first_sent_at (and so people_sent, the base of the email rates) means "mailed": a text message alone does not set it.
               bool_or(kind = 'sent' and channel = 'email') as any_email_sent, bool_or(kind = 'sent' and channel = 'sms') as any_text_sent
        from ch group by campaign_id, recipient_id
      ) agg
      where r.campaign_id = agg.campaign_id and r.id = agg.recipient_id
      returning 1
    ),
    usage as (
      insert into sender_daily_usage (sender_id, day, sent)
      select sender_id, (now() at time zone 'UTC')::date, count(*) from updated where kind = 'sent' and sender_id is not null group by sender_id
      on conflict (sender_id, day) do update set sent = sender_daily_usage.sent + excluded.sent
      returning 1
    ),
    d as (
      select count(*) filter (where kind = 'sent' and channel = 'email')::int as sent, count(*) filter (where kind = 'failed' and channel = 'email')::int as failed,
             count(*) filter (where kind = 'sent' and channel = 'sms')::int as sms_sent, count(*) filter (where kind = 'failed' and channel = 'sms')::int as sms_failed,
             count(*) filter (where kind = 'skipped')::int as skipped
      from ch
    ),
    -- Daily stats, the run's and the campaign's counters: in this statement, so they move with the events.
    ${counterBumps(campaignId, runId, ["sent", "failed", "sms_sent", "sms_failed"])}
    select sent + sms_sent as sent, failed + sms_failed as failed, skipped${options.leased === false
      // Unleased rows are locked by this transaction since their claim: every one must be recorded, or the statement
      // fails and the transaction (outbox rows included) rolls back rather than send mail that is not counted.
      ? sql`, case when sent + sms_sent + failed + sms_failed + skipped <> ${outcomes.length}
          then herald_fail('recorded ' || (sent + sms_sent + failed + sms_failed + skipped) || ' of ' || ${outcomes.length} || ' claimed emails') end as checked`
      : sql``}
    from d`;

  // After a step goes out, the next one waits its full delay from now, inside the sending window.
  const sentSteps = rows.filter((r) => r.kind === "sent").map((r) => ({ campaign_id: r.campaign_id, recipient_id: r.recipient_id, step_number: r.step_number }));
  // Each next step is looked up from its sent step by key (the lateral, kept apart by "offset 0", so the planner
  // cannot start from the campaign's recipients instead), then updated by its primary key ("status::text": see `held`).
  const nextSteps = sentSteps.length && options.hasLaterSteps
    ? sql`
      update scheduled_emails n set
        scheduled_for = herald_next_send_time(greatest(x.scheduled_for, now() + make_interval(mins => x.delay_minutes)),
          x.time_zone, x.window_days, x.window_start_hour, x.window_end_hour),
        updated_at = now()
      from jsonb_to_recordset(${JSON.stringify(sentSteps)}::jsonb) as s(campaign_id bigint, recipient_id bigint, step_number int)
      cross join lateral (
        select p.campaign_id, p.id, p.scheduled_for, st.delay_minutes, coalesce(r.time_zone, c.time_zone) as time_zone,
               c.window_days, c.window_start_hour, c.window_end_hour
        from scheduled_emails p
        join sequence_steps st on st.campaign_id = p.campaign_id and st.step_number = p.step_number
        join run_recipients r on r.campaign_id = p.campaign_id and r.id = p.recipient_id
        join campaigns c on c.id = p.campaign_id
        where p.campaign_id = s.campaign_id and p.recipient_id = s.recipient_id and p.step_number = s.step_number + 1
          and p.status::text = 'pending' and p.scheduled_for < now() + make_interval(mins => st.delay_minutes)
        offset 0
      ) x
      where n.campaign_id = x.campaign_id and n.id = x.id and n.status::text = 'pending'`
    : null;
  return { record, nextSteps };
}

/**
 * Records what happened to a batch in the caller's transaction, set-based:
 * email statuses, `sent`/`failed` events, recipients, the next step's timing,
 * daily stats, sender usage, and the run's and campaign's counters, in one
 * statement (the next step's timing in a second one, for sequences). Only rows
 * still leased to this worker (or, unleased, still pending) are touched.
 */
export async function recordOutcomes(tx: Executor, campaignId: number, runId: number, workerId: string, outcomes: Outcome[], options: { hasLaterSteps: boolean; leased?: boolean } = { hasLaterSteps: true }) {
  const { record, nextSteps } = recordingStatements(campaignId, runId, workerId, outcomes, options);
  // Both go out at once, one behind the other (pipelined): a caller may send its COMMIT right behind them.
  const [[counts]] = await Promise.all([prepared<{ sent: number; failed: number; skipped: number }>(tx, record), nextSteps ? prepared(tx, nextSteps) : null]);
  return counts!;
}
