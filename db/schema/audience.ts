import { sql } from "drizzle-orm";
import { index, jsonb, pgEnum, pgTable, primaryKey, text, uniqueIndex } from "drizzle-orm/pg-core";
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
    attributes: jsonb("attributes").$type<Record<string, string>>().notNull().default({}),
    status: leadStatus("status").notNull().default("active"),
    createdAt: createdAt(),
    updatedAt: updatedAt(),
  },
  (t) => [uniqueIndex("leads_email_lower_key").on(sql`lower(${t.email})`)],
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
