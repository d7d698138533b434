import { sql } from "drizzle-orm";
import { index, integer, jsonb, pgEnum, pgTable, primaryKey, text, uniqueIndex } from "drizzle-orm/pg-core";
import { campaigns } from "./campaigns";
import { createdAt, id, ref, ts, updatedAt } from "./columns";

export const syncBase = pgEnum("sync_base", ["control", "performance"]);

/** Which Airtable record mirrors which campaign, and what Herald last wrote there. */
export const syncLinks = pgTable(
  "sync_links",
  {
    campaignId: ref("campaign_id").notNull().references(() => campaigns.id, { onDelete: "cascade" }),
    base: syncBase("base").notNull(),
    recordId: text("record_id").notNull(),
    /** The Status Herald itself last wrote to the record, and when: anything else seen there is an ops edit. */
    sentStatus: text("sent_status"),
    sentStatusAt: ts("sent_status_at"),
    /** Any write to the record (the campaign page shows it). */
    lastPushedAt: ts("last_pushed_at"),
    createdAt: createdAt(),
    updatedAt: updatedAt(),
  },
  (t) => [primaryKey({ columns: [t.campaignId, t.base] }), uniqueIndex("sync_links_record_key").on(t.base, t.recordId)],
);

/** What still has to be pushed, written in the same transaction as the change; coalesced per key. */
export const syncOutbox = pgTable(
  "sync_outbox",
  {
    id: id().primaryKey(),
    base: syncBase("base").notNull(),
    /** e.g. "campaign:42" or "kpi:42:2026-11-23": one pending row per mirrored record. */
    recordKey: text("record_key").notNull(),
    campaignId: ref("campaign_id"),
    payload: jsonb("payload").$type<Record<string, unknown>>().notNull().default({}),
    attempts: integer("attempts").notNull().default(0),
    nextAttemptAt: ts("next_attempt_at").notNull().defaultNow(),
    lastError: text("last_error"),
    /** Airtable refused this record alone: it waits an hour and is named on the Sync page. */
    setAsideAt: ts("set_aside_at"),
    recordId: text("record_id"),
    createdAt: createdAt(),
    updatedAt: updatedAt(),
  },
  (t) => [
    uniqueIndex("sync_outbox_record_key").on(t.base, t.recordKey),
    index("sync_outbox_next_attempt_idx").on(t.nextAttemptAt),
    index("sync_outbox_set_aside_idx").on(t.base).where(sql`set_aside_at is not null`),
  ],
);

export const syncLog = pgTable(
  "sync_log",
  {
    id: id().primaryKey(),
    base: syncBase("base").notNull(),
    direction: text("direction").notNull(),
    level: text("level").notNull().default("info"),
    message: text("message").notNull(),
    details: jsonb("details").$type<Record<string, unknown>>().notNull().default({}),
    createdAt: createdAt(),
  },
  (t) => [index("sync_log_base_created_idx").on(t.base, t.createdAt)],
);

export const syncState = pgTable("sync_state", {
  base: syncBase("base").primaryKey(),
  pullCursor: ts("pull_cursor"),
  lastPullAt: ts("last_pull_at"),
  lastPushAt: ts("last_push_at"),
  lastError: text("last_error"),
  lastErrorAt: ts("last_error_at"),
  /** The lease of the round in progress: rounds of one base never overlap, whoever starts them. */
  roundOwner: text("round_owner"),
  roundUntil: ts("round_until"),
  updatedAt: updatedAt(),
});

/** The Airtable pacer (decision 015): per base, a 429's 30-second block. */
export const airtablePacer = pgTable("airtable_pacer", {
  key: text("key").primaryKey(),
  blockedUntil: ts("blocked_until"),
});

/** Requests that hold a place in a base's window: from before they leave until a second after their answer. */
export const airtableRequests = pgTable(
  "airtable_requests",
  {
    id: id().primaryKey(),
    key: text("key").notNull(),
    reservedAt: ts("reserved_at").notNull(),
    doneAt: ts("done_at"),
  },
  (t) => [index("airtable_requests_key_idx").on(t.key, t.reservedAt)],
);
