import { sql } from "drizzle-orm";
import { bigint, index, integer, jsonb, pgEnum, pgTable, primaryKey, text, timestamp, uniqueIndex } from "drizzle-orm/pg-core";
import { createdAt, id, ref, updatedAt } from "./columns";

export const leadStatus = pgEnum("lead_status", ["active", "unsubscribed", "bounced", "complained"]);
export const suppressionReason = pgEnum("suppression_reason", ["unsubscribed", "hard_bounce", "complaint", "manual"]);

export const leads = pgTable(
  "leads",
  {
    id: id().primaryKey(),
    email: text("email").notNull(),
    firstName: text("first_name"),
    lastName: text("last_name"),
    company: text("company"),
    timeZone: text("time_zone"),
    /** E.164 (+14155550123), normalised at import and in the lead form; null when the lead has none. */
    phone: text("phone"),
    /** The time zone guessed from the phone number's country: SMS quiet hours when the lead has no time zone. */
    phoneTimeZone: text("phone_time_zone"),
    attributes: jsonb("attributes").$type<Record<string, string>>().notNull().default({}),
    status: leadStatus("status").notNull().default("active"),
    createdAt: createdAt(),
    updatedAt: updatedAt(),
  },
  (t) => [uniqueIndex("leads_email_lower_key").on(sql`lower(${t.email})`), index("leads_phone_idx").on(t.phone).where(sql`phone is not null`)],
);

export const lists = pgTable(
  "lists",
  {
    id: id().primaryKey(),
    name: text("name").notNull(),
    description: text("description").notNull().default(""),
    createdAt: createdAt(),
    updatedAt: updatedAt(),
  },
  (t) => [uniqueIndex("lists_name_lower_key").on(sql`lower(${t.name})`)],
);

export const listMembers = pgTable(
  "list_members",
  {
    listId: ref("list_id").notNull().references(() => lists.id, { onDelete: "cascade" }),
    leadId: ref("lead_id").notNull().references(() => leads.id, { onDelete: "cascade" }),
    createdAt: createdAt(),
  },
  (t) => [primaryKey({ columns: [t.listId, t.leadId] }), index("list_members_lead_id_idx").on(t.leadId)],
);

/** A suppressed address is never sent to again, in any campaign. */
export const suppressions = pgTable(
  "suppressions",
  {
    id: id().primaryKey(),
    email: text("email").notNull(),
    reason: suppressionReason("reason").notNull(),
    note: text("note").notNull().default(""),
    campaignId: ref("campaign_id"),
    createdAt: createdAt(),
  },
  (t) => [uniqueIndex("suppressions_email_lower_key").on(sql`lower(${t.email})`)],
);

/** A CSV import's report; its rejected lines (as read) download as a CSV to fix and import again. */
export const leadImports = pgTable(
  "lead_imports",
  {
    id: bigint("id", { mode: "number" }).primaryKey().generatedAlwaysAsIdentity(),
    listName: text("list_name"),
    header: jsonb("header").$type<string[]>().notNull().default([]),
    rows: integer("rows").notNull().default(0),
    created: integer("created").notNull().default(0),
    updated: integer("updated").notNull().default(0),
    unchanged: integer("unchanged").notNull().default(0),
    duplicates: integer("duplicates").notNull().default(0),
    rejectedCount: integer("rejected_count").notNull().default(0),
    rejected: jsonb("rejected").$type<Array<{ line: number; reason: string; fields: string[] | null; raw: string }>>().notNull().default([]),
    createdAt: timestamp("created_at", { withTimezone: true, mode: "date" }).notNull().defaultNow(),
  },
  (t) => [index("lead_imports_created_at_idx").on(t.createdAt)],
);

export const phoneSuppressionReason = pgEnum("phone_suppression_reason", ["opt_out", "manual"]);

/** A phone number that opted out (STOP) or was suppressed by hand: no campaign texts it again until it sends START. */
export const phoneSuppressions = pgTable("phone_suppressions", {
  phone: text("phone").primaryKey(),
  reason: phoneSuppressionReason("reason").notNull(),
  /** The keyword or note that put it here ("STOP", "manual: …"). */
  note: text("note").notNull().default(""),
  campaignId: ref("campaign_id"),
  createdAt: createdAt(),
});
