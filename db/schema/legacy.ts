import { bigint, date, foreignKey, index, integer, jsonb, pgTable, primaryKey, text, timestamp, unique } from "drizzle-orm/pg-core";
import { campaignRuns, campaigns } from "./campaigns";
import { ref } from "./columns";

const int = (name: string) => integer(name).notNull().default(0);
const big = (name: string) => bigint(name, { mode: "number" }).notNull().default(0);

/** One imported source table: keyed by its resolved name and a checksum of its content, with the reconciliation receipt. */
export const legacyImports = pgTable("legacy_imports", {
  id: integer("id").primaryKey().generatedAlwaysAsIdentity(),
  sourceTable: text("source_table").notNull().unique("legacy_imports_source_table_key"),
  checksum: text("checksum").notNull().unique("legacy_imports_checksum_key"),
  sourceRows: bigint("source_rows", { mode: "number" }).notNull(),
  receipt: jsonb("receipt").$type<Record<string, unknown>>().notNull(),
  importedAt: timestamp("imported_at", { withTimezone: true, mode: "date" }).notNull().defaultNow(),
});

/** Where every legacy id went: the Herald campaign and the run that holds its history, and the source's totals for it. */
export const legacyCampaignMap = pgTable(
  "legacy_campaign_map",
  {
    id: integer("id").primaryKey().generatedAlwaysAsIdentity(),
    importId: integer("import_id").notNull().references(() => legacyImports.id, { onDelete: "cascade" }),
    sourceTable: text("source_table").notNull(),
    legacyId: text("legacy_id").notNull(),
    campaignId: ref("campaign_id").notNull().references(() => campaigns.id, { onDelete: "cascade" }),
    runId: ref("run_id").notNull(),
    name: text("name").notNull(),
    /** sent, opened, replied, positive_replies, bounced, clicked as the source had them. */
    sourceTotals: bigint("source_totals", { mode: "number" }).array().notNull(),
    /** Dimension columns kept per campaign (e.g. the email_account_id values it used). */
    dimensions: jsonb("dimensions").$type<Record<string, unknown[]>>().notNull().default({}),
  },
  (t) => [
    unique("legacy_campaign_map_source_legacy_id_key").on(t.sourceTable, t.legacyId),
    index("legacy_campaign_map_campaign_idx").on(t.campaignId, t.runId),
    foreignKey({ name: "legacy_campaign_map_run_fk", columns: [t.campaignId, t.runId], foreignColumns: [campaignRuns.campaignId, campaignRuns.id] }).onDelete("cascade"),
  ],
);

/** One row per legacy campaign-day that had any non-zero count; never in the event log, so retention never drops it. */
export const legacyDailyStats = pgTable(
  "legacy_daily_stats",
  {
    seriesId: integer("series_id").notNull().references(() => legacyCampaignMap.id, { onDelete: "cascade" }),
    day: date("day", { mode: "string" }).notNull(),
    sent: int("sent"),
    opened: int("opened"),
    replied: int("replied"),
    positiveReplies: int("positive_replies"),
    bounced: int("bounced"),
    clicked: int("clicked"),
  },
  (t) => [primaryKey({ columns: [t.seriesId, t.day] })],
);

/** The legacy store summed per day: global series read a few thousand rows instead of every campaign-day. */
export const legacyGlobalDaily = pgTable("legacy_global_daily", {
  day: date("day", { mode: "string" }).primaryKey(),
  sent: big("sent"),
  opened: big("opened"),
  replied: big("replied"),
  positiveReplies: big("positive_replies"),
  bounced: big("bounced"),
  clicked: big("clicked"),
});
