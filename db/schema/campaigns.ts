import { sql } from "drizzle-orm";
import {
  boolean, date, foreignKey, index, integer, pgEnum, pgTable, primaryKey, smallint, text, uniqueIndex,
} from "drizzle-orm/pg-core";
import { users } from "./auth";
import { lists } from "./audience";
import { count, createdAt, deliveryCounters, id, peopleCounters, ref, smsCounters, ts, updatedAt } from "./columns";
import { messageChannel, senderIdentities, templates } from "./content";

export const campaignKind = pgEnum("campaign_kind", ["broadcast", "sequence"]);
export const campaignStatus = pgEnum("campaign_status", [
  "draft", "scheduled", "running", "paused", "completed", "cancelled", "failed",
]);
export const statusSource = pgEnum("status_source", ["app", "airtable", "cli", "job"]);
export const runStatus = pgEnum("run_status", ["PENDING", "SCHEDULED", "SENDING", "PAUSED", "COMPLETED", "FAILED", "CANCELLED"]);
export const runAudience = pgEnum("run_audience", ["everyone", "failed", "not_opened", "not_clicked", "not_mailed", "not_human_opened", "not_human_clicked"]);

export const campaigns = pgTable(
  "campaigns",
  {
    id: id().primaryKey(),
    name: text("name").notNull(),
    kind: campaignKind("kind").notNull().default("broadcast"),
    status: campaignStatus("status").notNull().default("draft"),
    fromName: text("from_name").notNull().default(""),
    fromEmail: text("from_email").notNull(),
    replyTo: text("reply_to"),
    startAt: ts("start_at"),
    timeZone: text("time_zone").notNull().default("UTC"),
    /** ISO weekdays 1 (Monday) … 7 (Sunday) on which mail may go out. */
    windowDays: smallint("window_days").array().notNull().default(sql`'{1,2,3,4,5,6,7}'::smallint[]`),
    /** Sending window in local hours: [start, end). 0–24 means all day. */
    windowStartHour: smallint("window_start_hour").notNull().default(0),
    windowEndHour: smallint("window_end_hour").notNull().default(24),
    throttlePerMinute: integer("throttle_per_minute").notNull().default(600),
    currentRunId: ref("current_run_id"),
    lifetimeRuns: count("lifetime_runs"),
    ...deliveryCounters(),
    ...peopleCounters(),
    ...smsCounters(),
    lastRunAt: ts("last_run_at"),
    lastRunResult: text("last_run_result"),
    statusChangedAt: ts("status_changed_at").notNull().defaultNow(),
    statusSource: statusSource("status_source").notNull().default("app"),
    version: integer("version").notNull().default(1),
    /** Set when archived: hidden from the default list, kept with all its runs and history; cleared to un-archive. */
    archivedAt: ts("archived_at"),
    createdBy: ref("created_by").references(() => users.id, { onDelete: "set null" }),
    createdAt: createdAt(),
    updatedAt: updatedAt(),
  },
  (t) => [
    uniqueIndex("campaigns_name_lower_key").on(sql`lower(${t.name})`),
    index("campaigns_status_idx").on(t.status),
  ],
);

export const campaignLists = pgTable(
  "campaign_lists",
  {
    campaignId: ref("campaign_id").notNull().references(() => campaigns.id, { onDelete: "cascade" }),
    listId: ref("list_id").notNull().references(() => lists.id, { onDelete: "restrict" }),
    createdAt: createdAt(),
  },
  (t) => [primaryKey({ columns: [t.campaignId, t.listId] })],
);

export const campaignSenders = pgTable(
  "campaign_senders",
  {
    campaignId: ref("campaign_id").notNull().references(() => campaigns.id, { onDelete: "cascade" }),
    senderId: ref("sender_id").notNull().references(() => senderIdentities.id, { onDelete: "restrict" }),
    createdAt: createdAt(),
  },
  (t) => [primaryKey({ columns: [t.campaignId, t.senderId] })],
);

/** How many messages (emails, or texts for an SMS sender) an identity sent on a day (UTC), for its daily cap; written by the recording statement. */
export const senderDailyUsage = pgTable(
  "sender_daily_usage",
  {
    senderId: ref("sender_id").notNull().references(() => senderIdentities.id, { onDelete: "cascade" }),
    day: date("day", { mode: "string" }).notNull(),
    sent: count("sent"),
  },
  (t) => [primaryKey({ columns: [t.senderId, t.day] })],
);

export const sequenceSteps = pgTable(
  "sequence_steps",
  {
    campaignId: ref("campaign_id").notNull().references(() => campaigns.id, { onDelete: "cascade" }),
    stepNumber: smallint("step_number").notNull(),
    templateId: ref("template_id").notNull().references(() => templates.id, { onDelete: "restrict" }),
    /** Minutes after the previous step (step 1: after the run starts). */
    delayMinutes: integer("delay_minutes").notNull().default(0),
    stopOnReply: boolean("stop_on_reply").notNull().default(true),
    /** email, or sms: the step's template is then an SMS template (its text is the message body). */
    channel: messageChannel("channel").notNull().default("email"),
    createdAt: createdAt(),
    updatedAt: updatedAt(),
  },
  (t) => [primaryKey({ columns: [t.campaignId, t.stepNumber] })],
);

export const campaignRuns = pgTable(
  "campaign_runs",
  {
    campaignId: ref("campaign_id").notNull().references(() => campaigns.id, { onDelete: "cascade" }),
    id: id(),
    runNumber: integer("run_number").notNull(),
    status: runStatus("status").notNull().default("PENDING"),
    audience: runAudience("audience").notNull().default("everyone"),
    sourceRunId: ref("source_run_id"),
    scheduledCount: count("scheduled_count"),
    ...deliveryCounters(),
    ...peopleCounters(),
    ...smsCounters(),
    scheduledAt: ts("scheduled_at"),
    startedAt: ts("started_at"),
    pausedAt: ts("paused_at"),
    completedAt: ts("completed_at"),
    failureReason: text("failure_reason"),
    createdAt: createdAt(),
    updatedAt: updatedAt(),
  },
  (t) => [
    primaryKey({ columns: [t.campaignId, t.id] }),
    uniqueIndex("campaign_runs_campaign_run_number_key").on(t.campaignId, t.runNumber),
    index("campaign_runs_status_idx").on(t.status),
  ],
);

/** What a run sends, fixed when it starts (server/runs/snapshot.ts): template content and timing per step. */
export const runSteps = pgTable(
  "run_steps",
  {
    campaignId: ref("campaign_id").notNull(),
    runId: ref("run_id").notNull(),
    stepNumber: smallint("step_number").notNull(),
    templateId: ref("template_id").notNull(),
    templateName: text("template_name").notNull(),
    subject: text("subject").notNull(),
    html: text("html").notNull(),
    text: text("text").notNull(),
    delayMinutes: integer("delay_minutes").notNull(),
    stopOnReply: boolean("stop_on_reply").notNull(),
    createdAt: createdAt(),
  },
  (t) => [
    primaryKey({ columns: [t.campaignId, t.runId, t.stepNumber], name: "run_steps_pkey" }),
    index("run_steps_template_idx").on(t.templateId),
    foreignKey({ name: "run_steps_run_fk", columns: [t.campaignId, t.runId], foreignColumns: [campaignRuns.campaignId, campaignRuns.id] }).onDelete("cascade"),
  ],
);
