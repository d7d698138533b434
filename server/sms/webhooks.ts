import { sql } from "drizzle-orm";
import type { Database, Executor } from "../../db/client";
import { bumpCounters } from "../counters/bump";

/** Twilio's default opt-out and opt-in keywords (Advanced Opt-Out), matched on the whole message, any case (decision 044). */
export const STOP_WORDS = ["STOP", "STOPALL", "UNSUBSCRIBE", "CANCEL", "END", "QUIT", "OPTOUT", "REVOKE"] as const;
export const START_WORDS = ["START", "UNSTOP", "YES"] as const;

/** Twilio's statuses after which a message changes no more (and Twilio prices it). */
export const FINAL_STATUSES = ["delivered", "undelivered", "failed", "canceled", "read"];

export type SmsWebhookOutcome = { status: 200 | 400; message: string };

const STATUS_EVENTS: Record<string, { type: string; counter?: "sms_delivered" | "sms_failed" } | undefined> = {
  queued: { type: "sms_queued" },
  sent: { type: "sms_dispatched" },
  delivered: { type: "sms_delivered", counter: "sms_delivered" },
  undelivered: { type: "sms_undelivered", counter: "sms_failed" },
  failed: { type: "sms_failed", counter: "sms_failed" },
};

/**
 * One verified status callback: the message's new status becomes an event
 * (queued, sent, delivered, undelivered, failed with Twilio's error code),
 * once per message and status (provider_events), with its counter in the
 * same transaction. A callback naming a message whose SID Herald never
 * stored (the worker died mid-request) records that SID, so no retake sends it again.
 */
export async function handleStatusCallback(db: Database, query: { c?: unknown; m?: unknown }, params: Record<string, string>): Promise<SmsWebhookOutcome> {
  const campaignId = Number(query.c);
  const scheduledEmailId = Number(query.m);
  const sid = params.MessageSid ?? params.SmsSid;
  const status = (params.MessageStatus ?? params.SmsStatus ?? "").toLowerCase();
  if (!sid || !status) return { status: 400, message: "not a Twilio status callback (no MessageSid or MessageStatus)" };
  if (!Number.isSafeInteger(campaignId) || !Number.isSafeInteger(scheduledEmailId) || campaignId <= 0 || scheduledEmailId <= 0) return { status: 200, message: "not a message Herald sent; ignored" };
  const errorCode = params.ErrorCode && /^\d+$/.test(params.ErrorCode) ? Number(params.ErrorCode) : null;
  return db.transaction(async (tx) => {
    const [message] = await tx.execute<{ run_id: number; recipient_id: number }>(sql`
      select run_id, recipient_id from scheduled_emails where campaign_id = ${campaignId} and id = ${scheduledEmailId}`);
    if (!message) return { status: 200 as const, message: "the message no longer exists; ignored" };
    // A final status makes the text's price due at once (Twilio sets it on the message soon after: jobs/tasks/fetch-sms-prices.ts).
    await tx.execute(sql`
      update sms_messages set sid = coalesce(sid, ${sid}), status = ${status}, error_code = coalesce(${errorCode}, error_code), updated_at = now(),
        price_next_at = case when ${FINAL_STATUSES.includes(status)} then least(price_next_at, now()) else price_next_at end
      where campaign_id = ${campaignId} and scheduled_email_id = ${scheduledEmailId} and (sid is null or sid = ${sid})`);
    const mapped = STATUS_EVENTS[status];
    if (!mapped) return { status: 200 as const, message: `${status} needs nothing from Herald` };
    const fresh = await tx.execute(sql`insert into provider_events (provider_event_id) values (${`twilio:${sid}:${status}`}) on conflict do nothing returning 1`);
    if (!fresh.length) return { status: 200 as const, message: "already recorded" };
    await tx.execute(sql`
      insert into email_events (campaign_id, run_id, recipient_id, scheduled_email_id, type, data, provider_event_id)
      values (${campaignId}, ${message.run_id}, ${message.recipient_id}, ${scheduledEmailId}, ${mapped.type}::email_event_type,
              ${JSON.stringify({ sid, status, ...(errorCode !== null ? { error_code: errorCode } : {}) })}::jsonb, ${`twilio:${sid}:${status}`})`);
    if (mapped.counter) await bumpCounters(tx, campaignId, message.run_id, { [mapped.counter]: 1 });
    if (mapped.type === "sms_delivered") {
      // People with a delivered text (decision 047): the trigger on run_recipients counts the recipient's first one.
      // After the counters: the send path's recording statement locks the campaign, the run and the day before the
      // recipients (PostgreSQL runs its unread CTEs last to first), and a webhook must take them in the same order.
      await tx.execute(sql`update run_recipients set text_delivered_at = now(), updated_at = now() where campaign_id = ${campaignId} and id = ${message.recipient_id} and text_delivered_at is null`);
    }
    return { status: 200 as const, message: `recorded ${mapped.type}` };
  });
}

/** The last text Herald sent to a number: whose reply or STOP this is. */
async function lastTextTo(tx: Executor, phone: string) {
  const [row] = await tx.execute<{ campaign_id: number; run_id: number; recipient_id: number; scheduled_email_id: number }>(sql`
    select m.campaign_id, e.run_id, e.recipient_id, m.scheduled_email_id
    from sms_messages m join scheduled_emails e on e.campaign_id = m.campaign_id and e.id = m.scheduled_email_id
    where m.to_phone = ${phone} order by m.handed_at desc limit 1`);
  return row ?? null;
}

/** Once per recipient: an event of `type` and its counter (people who replied / opted out, not messages). */
async function firstForRecipient(tx: Executor, target: { campaign_id: number; run_id: number; recipient_id: number; scheduled_email_id: number }, type: "sms_replied" | "sms_opted_out", data: Record<string, unknown>) {
  const [already] = await tx.execute(sql`
    select 1 from email_events where campaign_id = ${target.campaign_id} and recipient_id = ${target.recipient_id} and type = ${type}::email_event_type limit 1`);
  await tx.execute(sql`
    insert into email_events (campaign_id, run_id, recipient_id, scheduled_email_id, type, data)
    values (${target.campaign_id}, ${target.run_id}, ${target.recipient_id}, ${target.scheduled_email_id}, ${type}::email_event_type, ${JSON.stringify({ ...data, repeat: Boolean(already) || undefined })}::jsonb)`);
  if (!already) await bumpCounters(tx, target.campaign_id, target.run_id, { [type]: 1 });
}

/**
 * One verified inbound text. STOP words put the number on the phone
 * suppression list (every campaign honours it) and count an opt-out; START
 * words take it off; anything else is a reply to the last text Herald sent
 * that number: it stops the recipient's remaining steps that stop on reply,
 * as an email reply does. Deduplicated by Twilio's MessageSid.
 */
export async function handleInbound(db: Database, params: Record<string, string>): Promise<SmsWebhookOutcome> {
  const sid = params.MessageSid ?? params.SmsMessageSid;
  const from = params.From;
  if (!sid || !from) return { status: 400, message: "not a Twilio inbound message (no MessageSid or From)" };
  const word = (params.Body ?? "").trim().toUpperCase().replace(/[.!]+$/, "");
  return db.transaction(async (tx) => {
    const fresh = await tx.execute(sql`insert into provider_events (provider_event_id) values (${`twilio:${sid}`}) on conflict do nothing returning 1`);
    if (!fresh.length) return { status: 200 as const, message: "already recorded" };
    const target = await lastTextTo(tx, from);
    if ((STOP_WORDS as readonly string[]).includes(word)) {
      await tx.execute(sql`
        insert into phone_suppressions (phone, reason, note, campaign_id) values (${from}, 'opt_out', ${word}, ${target?.campaign_id ?? null})
        on conflict (phone) do nothing`);
      if (target) await firstForRecipient(tx, target, "sms_opted_out", { keyword: word, sid });
      return { status: 200 as const, message: "recorded opt-out" };
    }
    if ((START_WORDS as readonly string[]).includes(word)) {
      await tx.execute(sql`delete from phone_suppressions where phone = ${from} and reason = 'opt_out'`);
      if (target) {
        await tx.execute(sql`
          insert into email_events (campaign_id, run_id, recipient_id, scheduled_email_id, type, data)
          values (${target.campaign_id}, ${target.run_id}, ${target.recipient_id}, ${target.scheduled_email_id}, 'sms_opted_in', ${JSON.stringify({ keyword: word, sid })}::jsonb)`);
      }
      return { status: 200 as const, message: "recorded opt-in" };
    }
    if (!target) return { status: 200 as const, message: "a text from a number Herald never texted; ignored" };
    // As an email reply (server/tracking/replies.ts): steps not yet sent that stop on reply are skipped.
    await tx.execute(sql`
      update scheduled_emails e set status = 'skipped', error = 'recipient replied', updated_at = now()
      from (
        select w.campaign_id, w.id from scheduled_emails w join sequence_steps st on st.campaign_id = w.campaign_id and st.step_number = w.step_number
        where w.campaign_id = ${target.campaign_id} and w.recipient_id = ${target.recipient_id} and w.status in ('pending', 'paused') and st.stop_on_reply
        for update of w skip locked
      ) waiting
      where e.campaign_id = waiting.campaign_id and e.id = waiting.id`);
    // The counters before the recipient, in the send path's lock order (see handleStatusCallback).
    await firstForRecipient(tx, target, "sms_replied", { sid, body: (params.Body ?? "").slice(0, 1600) });
    await tx.execute(sql`update run_recipients set replied_at = coalesce(replied_at, now()), updated_at = now() where campaign_id = ${target.campaign_id} and id = ${target.recipient_id}`);
    return { status: 200 as const, message: "recorded reply" };
  });
}
