import { sql } from "drizzle-orm";
import { check, integer, pgEnum, pgTable, text, uniqueIndex } from "drizzle-orm/pg-core";
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

/**
 * Who a message comes from, with a daily cap; a campaign with several of a
 * channel rotates across them. Email: a from-address. SMS: a Twilio number
 * (E.164) or a Messaging Service SID (MG…) in `sms_sender` (docs/decisions/045).
 */
export const senderIdentities = pgTable(
  "sender_identities",
  {
    id: id().primaryKey(),
    channel: messageChannel("channel").notNull().default("email"),
    fromEmail: text("from_email"),
    fromName: text("from_name").notNull().default(""),
    smsSender: text("sms_sender"),
    dailyCap: integer("daily_cap").notNull().default(1000),
    createdAt: createdAt(),
    updatedAt: updatedAt(),
  },
  (t) => [
    uniqueIndex("sender_identities_from_email_lower_key").on(sql`lower(${t.fromEmail})`),
    uniqueIndex("sender_identities_sms_sender_key").on(t.smsSender),
    check("sender_identities_channel_check", sql`(${t.channel} = 'email' and ${t.fromEmail} is not null and ${t.smsSender} is null) or (${t.channel} = 'sms' and ${t.smsSender} is not null and ${t.fromEmail} is null)`),
  ],
);
