import { sql } from "drizzle-orm";
import {
  bigint, bigserial, boolean, date, index, inet, integer, jsonb, pgEnum, pgTable, primaryKey, smallint, text, uniqueIndex,
} from "drizzle-orm/pg-core";
import { campaigns } from "./campaigns";
import { createdAt, dailyCounters, id, ref, smsCounters, ts, updatedAt } from "./columns";
import { messageChannel } from "./content";

export const recipientStatus = pgEnum("recipient_status", [
  "pending", "queued", "sent", "failed", "bounced", "unsubscribed", "complained", "skipped", "unknown",
]);
export const scheduledEmailStatus = pgEnum("scheduled_email_status", [
  "pending", "paused", "sending", "sent", "failed", "cancelled", "skipped",
  // The provider's answer cannot be known (see docs/decisions/010): never failed, never re-sent.
  "unknown",
]);
export const emailEventType = pgEnum("email_event_type", [
  "sent", "delivered", "delivery_delayed", "failed", "bounced", "complained", "opened", "clicked", "replied", "unsubscribed",
  // One imported day of a campaign's legacy totals; data holds only the non-zero counts.
  "daily_totals",
  // Text messages (docs/decisions/040): accepted by Twilio (sms_sent) or refused (sms_failed) when sent; Twilio's
  // status callbacks queued / sent (sms_dispatched) / delivered / undelivered / failed; inbound replies and STOP / START.
  "sms_sent", "sms_queued", "sms_dispatched", "sms_delivered", "sms_undelivered", "sms_failed", "sms_replied", "sms_opted_out", "sms_opted_in",
]);

export const runRecipients = pgTable(
  "run_recipients",
  {
    // No row-level foreign keys here or on scheduled_emails: the run start derives these rows from
    // their parents in one statement; statement triggers cascade deletes (migration 0019, decision 013).
    campaignId: ref("campaign_id").notNull(),
    id: id(),
    runId: ref("run_id").notNull(),
    leadId: ref("lead_id").notNull(),
    email: text("email").notNull(),
    timeZone: text("time_zone"),
    status: recipientStatus("status").notNull().default("pending"),
    firstSentAt: ts("first_sent_at"),
    firstOpenedAt: ts("first_opened_at"),
    firstClickedAt: ts("first_clicked_at"),
    /** First open or click by a person (machine opens and clicks left out): the per-person engagement filters. */
    humanOpenedAt: ts("human_opened_at"),
    humanClickedAt: ts("human_clicked_at"),
    repliedAt: ts("replied_at"),
    bouncedAt: ts("bounced_at"),
    /** First text Twilio accepted for this recipient, and the first one it reported delivered: people texted / delivered (decision 047). */
    firstTextedAt: ts("first_texted_at"),
    textDeliveredAt: ts("text_delivered_at"),
    lastError: text("last_error"),
    createdAt: createdAt(),
    updatedAt: updatedAt(),
  },
  (t) => [
    primaryKey({ columns: [t.campaignId, t.id] }),
    uniqueIndex("run_recipients_run_lead_key").on(t.campaignId, t.runId, t.leadId),
    index("run_recipients_lead_idx").on(t.leadId),
  ],
);

/** Every email a run will ever send, one row per recipient per step; also the run's email log. */
export const scheduledEmails = pgTable(
  "scheduled_emails",
  {
    campaignId: ref("campaign_id").notNull(),
    id: id(),
    runId: ref("run_id").notNull(),
    recipientId: ref("recipient_id").notNull(),
    stepNumber: smallint("step_number").notNull(),
    templateId: ref("template_id").notNull(),
    scheduledFor: ts("scheduled_for").notNull(),
    status: scheduledEmailStatus("status").notNull().default("pending"),
    attempts: integer("attempts").notNull().default(0),
    idempotencyKey: text("idempotency_key"),
    providerMessageId: text("provider_message_id"),
    senderId: ref("sender_id"),
    error: text("error"),
    lockedBy: text("locked_by"),
    lockedUntil: ts("locked_until"),
    sentAt: ts("sent_at"),
    createdAt: createdAt(),
    updatedAt: updatedAt(),
  },
  (t) => [
    primaryKey({ columns: [t.campaignId, t.id] }),
    uniqueIndex("scheduled_emails_recipient_step_key").on(t.campaignId, t.recipientId, t.stepNumber),
    // Claim order (scheduled_for, id) in the key: the claim's LIMIT stops after one batch, however large the run.
    index("scheduled_emails_due_idx").on(t.campaignId, t.runId, t.scheduledFor, t.id).where(sql`status = 'pending'`),
    index("scheduled_emails_batch_idx").on(t.campaignId, t.idempotencyKey).where(sql`status = 'sending'`),
    index("scheduled_emails_sending_idx").on(t.lockedUntil).where(sql`status = 'sending'`),
    index("scheduled_emails_run_status_idx").on(t.campaignId, t.runId, t.status),
    index("scheduled_emails_locked_by_idx").on(t.lockedBy).where(sql`status = 'sending'`),
    index("scheduled_emails_provider_message_idx").on(t.providerMessageId).where(sql`provider_message_id is not null`),
  ],
);

/** Messages the outbox transport "sent": stored, shown in the UI, never delivered. */
export const outboxMessages = pgTable(
  "outbox_messages",
  {
    campaignId: ref("campaign_id").notNull().references(() => campaigns.id, { onDelete: "cascade" }),
    id: id(),
    scheduledEmailId: ref("scheduled_email_id").notNull(),
    providerMessageId: text("provider_message_id").notNull(),
    fromAddress: text("from_address").notNull(),
    toAddress: text("to_address").notNull(),
    subject: text("subject").notNull(),
    html: text("html").notNull(),
    text: text("text").notNull(),
    headers: jsonb("headers").$type<Record<string, string>>().notNull().default({}),
    /** sms: to_address is a phone number, text the message body (subject and html empty). */
    channel: messageChannel("channel").notNull().default("email"),
    createdAt: createdAt(),
  },
  (t) => [
    primaryKey({ columns: [t.campaignId, t.id] }),
    uniqueIndex("outbox_messages_scheduled_email_key").on(t.campaignId, t.scheduledEmailId),
    index("outbox_messages_created_at_idx").on(t.createdAt),
  ],
);

/**
 * The append-only event log, range-partitioned by month on occurred_at (the
 * partitioning is in the migration: drizzle-kit does not model it). The view
 * email_events_judged (migration 0033, not modelled either) selects every
 * column with the fold's burst verdicts: a migration that drops or retypes a
 * column must recreate it.
 */
export const emailEvents = pgTable(
  "email_events",
  {
    campaignId: ref("campaign_id").notNull(),
    // A plain sequence, not an identity: identity columns on partitioned tables need PostgreSQL 17.
    id: bigserial("id", { mode: "number" }),
    runId: ref("run_id").notNull(),
    recipientId: ref("recipient_id"),
    scheduledEmailId: ref("scheduled_email_id"),
    type: emailEventType("type").notNull(),
    occurredAt: ts("occurred_at").notNull().defaultNow(),
    data: jsonb("data").$type<Record<string, unknown>>().notNull().default({}),
    machine: boolean("machine").notNull().default(false),
    userAgent: text("user_agent"),
    ip: inet("ip"),
    providerEventId: text("provider_event_id"),
    createdAt: createdAt(),
  },
  (t) => [
    primaryKey({ columns: [t.campaignId, t.id, t.occurredAt] }),
    // Only what the application reads by: a recipient's events (timeline, unsubscribe check). Partial: aggregate
    // events (legacy imports) have no recipient. No time index: monthly partitions prune by time. Dashboards read the rollups.
    index("email_events_recipient_idx").on(t.campaignId, t.recipientId).where(sql`recipient_id is not null`),
    // Clicks only (a small share of the log): the per-link tables read a campaign's or run's clicks without its sends,
    // and the fold reads one email's clicks around a moment to find bursts (server/tracking/fold.ts).
    index("email_events_clicks_idx").on(t.campaignId, t.runId, t.scheduledEmailId, t.occurredAt).where(sql`type = 'clicked'`),
  ],
);

/**
 * Clicks found to be part of a burst (several links of one email within a
 * few seconds) by the fold, once every click of the window is in the log.
 * Kept beside the log so the log stays append-only: the view
 * email_events_judged (migration 0033) reads an event with these folded in
 * (machine, and "burst" among data.machineReasons). See decision 023.
 */
export const clickBursts = pgTable(
  "click_bursts",
  {
    campaignId: ref("campaign_id").notNull(),
    eventId: ref("event_id").notNull(),
    /** The click's time: dropped with the log's partition of that month (herald_drop_event_partitions). */
    occurredAt: ts("occurred_at").notNull(),
    createdAt: createdAt(),
  },
  (t) => [primaryKey({ columns: [t.campaignId, t.eventId] })],
);

/**
 * Provider event ids already recorded: a webhook delivered twice counts once.
 * Kept apart from the partitioned log because a unique key there must include
 * the partition column.
 */
export const providerEvents = pgTable("provider_events", {
  providerEventId: text("provider_event_id").primaryKey(),
  createdAt: createdAt(),
});

/**
 * Everything per day, in 16 shards (campaign_id % 16) so concurrent campaigns do
 * not contend on one row. Kept by triggers on campaign_daily_stats; answers
 * global dashboards without summing every campaign's rows.
 */
export const globalDailyStats = pgTable(
  "global_daily_stats",
  {
    day: date("day", { mode: "string" }).notNull(),
    shard: smallint("shard").notNull(),
    ...dailyCounters(),
    ...smsCounters(),
  },
  (t) => [primaryKey({ columns: [t.day, t.shard] })],
);

/** Per (campaign, run, day) counts, kept up to date incrementally; answers the dashboards. */
export const campaignDailyStats = pgTable(
  "campaign_daily_stats",
  {
    campaignId: ref("campaign_id").notNull().references(() => campaigns.id, { onDelete: "cascade" }),
    runId: ref("run_id").notNull(),
    day: date("day", { mode: "string" }).notNull(),
    ...dailyCounters(),
    /** People first mailed that day (trigger on run_recipients): the base of a period's rates. */
    peopleSent: integer("people_sent").notNull().default(0),
    ...smsCounters(),
    updatedAt: updatedAt(),
  },
  (t) => [primaryKey({ columns: [t.campaignId, t.runId, t.day] }), index("campaign_daily_stats_day_idx").on(t.day)],
);

/**
 * Per-hit events (opens, clicks, webhooks) waiting to be folded into counters
 * and daily stats. Appended with the event; the fold job consumes it in
 * batches, so no campaign row is updated per hit.
 */
export const eventFolds = pgTable(
  "event_folds",
  {
    id: id().primaryKey(),
    campaignId: ref("campaign_id").notNull(),
    runId: ref("run_id").notNull(),
    recipientId: ref("recipient_id").notNull(),
    type: emailEventType("type").notNull(),
    machine: boolean("machine").notNull().default(false),
    occurredAt: ts("occurred_at").notNull(),
    /** A click's event in the log and its email (empty for other events): the fold judges its burst from them. */
    eventId: ref("event_id"),
    scheduledEmailId: ref("scheduled_email_id"),
  },
);

/** A claimed batch's exact request body, kept until it is recorded so a retake resends it byte for byte. */
export const sendBatches = pgTable(
  "send_batches",
  {
    campaignId: ref("campaign_id").notNull().references(() => campaigns.id, { onDelete: "cascade" }),
    idempotencyKey: text("idempotency_key").notNull(),
    runId: ref("run_id").notNull(),
    /** The JSON text handed to the transport, kept as text so its bytes never change. */
    payload: text("payload").notNull(),
    payloadSha256: text("payload_sha256").notNull(),
    /** Set just before the first provider call: from then on the provider may have accepted it. */
    firstHandedAt: ts("first_handed_at"),
    createdAt: createdAt(),
  },
  (t) => [primaryKey({ columns: [t.campaignId, t.idempotencyKey], name: "send_batches_pkey" })],
);

/** Which job works each lane of a run; its heartbeat keeps the lease alive. */
export const sendLanes = pgTable(
  "send_lanes",
  {
    campaignId: ref("campaign_id").notNull().references(() => campaigns.id, { onDelete: "cascade" }),
    runId: ref("run_id").notNull(),
    lane: smallint("lane").notNull(),
    workerId: text("worker_id"),
    leaseUntil: ts("lease_until").notNull().defaultNow(),
  },
  (t) => [primaryKey({ columns: [t.campaignId, t.runId, t.lane], name: "send_lanes_pkey" })],
);

/**
 * Every text message handed to Twilio, one row per scheduled message, written
 * and committed BEFORE the request (handed_at) and again with Twilio's message
 * SID as soon as it answers. Twilio has no idempotency key: a retaken batch
 * returns the stored SID instead of resending, and a message handed without a
 * SID is looked up at Twilio by its number, sender and body (docs/decisions/041).
 */
export const smsMessages = pgTable(
  "sms_messages",
  {
    campaignId: ref("campaign_id").notNull(),
    scheduledEmailId: ref("scheduled_email_id").notNull(),
    runId: ref("run_id").notNull(),
    toPhone: text("to_phone").notNull(),
    /** The sender number (E.164) or the Messaging Service SID (MG…). */
    sender: text("sender").notNull(),
    bodySha256: text("body_sha256").notNull(),
    handedAt: ts("handed_at").notNull().defaultNow(),
    sid: text("sid"),
    /** Twilio's last status for it (queued, sent, delivered, undelivered, failed). */
    status: text("status"),
    errorCode: integer("error_code"),
    /** What Twilio charged, as Twilio wrote it (negative, in price_unit), fetched from the message after it settled (jobs/tasks/fetch-sms-prices.ts). */
    price: text("price"),
    priceUnit: text("price_unit"),
    /** The charge in millionths of price_unit (price "-0.00790" is 7,900): summed exactly into sms_costs. */
    priceMicros: bigint("price_micros", { mode: "number" }),
    /** When to ask Twilio for the price next: an hour after it was handed over, at once when a final status arrives, later while Twilio says null. */
    priceNextAt: ts("price_next_at").notNull().default(sql`now() + interval '1 hour'`),
    priceChecks: smallint("price_checks").notNull().default(0),
    /** Twilio still had no price when the wait ran out (TWILIO_PRICE_WAIT_HOURS), or the message is gone: it is not asked again. */
    priceGaveUpAt: ts("price_gave_up_at"),
    updatedAt: updatedAt(),
  },
  (t) => [
    primaryKey({ columns: [t.campaignId, t.scheduledEmailId], name: "sms_messages_pkey" }),
    uniqueIndex("sms_messages_sid_key").on(t.sid).where(sql`sid is not null`),
    // Inbound replies and STOP find the last message sent to a number.
    index("sms_messages_to_phone_idx").on(t.toPhone, t.handedAt),
    // The price job's queue: only texts Twilio has and that still wait for a price.
    index("sms_messages_unpriced_idx").on(t.priceNextAt).where(sql`sid is not null and price_micros is null and price_gave_up_at is null`),
  ],
);

/**
 * What Twilio charged for a run's texts, per day (the day each text was
 * handed over, UTC) and currency, summed exactly in millionths of the
 * currency by the price job in the transaction that stores each price
 * (docs/decisions/048). A run's and a campaign's cost are sums of these rows.
 */
export const smsCosts = pgTable(
  "sms_costs",
  {
    campaignId: ref("campaign_id").notNull().references(() => campaigns.id, { onDelete: "cascade" }),
    runId: ref("run_id").notNull(),
    day: date("day", { mode: "string" }).notNull(),
    currency: text("currency").notNull(),
    /** Texts priced, and their summed charge in millionths of the currency. */
    texts: integer("texts").notNull().default(0),
    costMicros: bigint("cost_micros", { mode: "number" }).notNull().default(0),
    updatedAt: updatedAt(),
  },
  (t) => [primaryKey({ columns: [t.campaignId, t.runId, t.day, t.currency], name: "sms_costs_pkey" }), index("sms_costs_day_idx").on(t.day)],
);
