import { sql } from "drizzle-orm";
import { integer, pgEnum, pgTable, text, uniqueIndex } from "drizzle-orm/pg-core";
import { createdAt, id, updatedAt } from "./columns";

/** A campaign step, a template and an outbox message are an email or a text message (SMS). */
export const messageChannel = pgEnum("message_channel", ["email", "sms"]);

export const templates = pgTable(
  "templates",
  {
    id: id().primaryKey(),
    name: text("name").notNull(),
    subject: text("subject").notNull(),
    html: text("html").notNull(),
    text: text("text").notNull().default(""),
    /** sms: written by the campaign form for an SMS step (subject and html empty, text is the body); not listed with email templates. */
    channel: messageChannel("channel").notNull().default("email"),
    createdAt: createdAt(),
    updatedAt: updatedAt(),
  },
  (t) => [uniqueIndex("templates_name_lower_key").on(sql`lower(${t.name})`)],
);

/** A from-address with a daily cap; a campaign with several rotates across them. */
export const senderIdentities = pgTable(
  "sender_identities",
  {
    id: id().primaryKey(),
    fromEmail: text("from_email").notNull(),
    fromName: text("from_name").notNull().default(""),
    dailyCap: integer("daily_cap").notNull().default(1000),
    createdAt: createdAt(),
    updatedAt: updatedAt(),
  },
  (t) => [uniqueIndex("sender_identities_from_email_lower_key").on(sql`lower(${t.fromEmail})`)],
);
