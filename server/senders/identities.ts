import { and, asc, eq, sql } from "drizzle-orm";
import { z } from "zod";
import type { Executor } from "../../db/client";
import { senderDailyUsage, senderIdentities } from "../../db/schema";
import { oneLine } from "../campaigns/schema";
import type { Config } from "../config";
import { Conflict, NotFound, ValidationFailed } from "../errors";
import { normalisePhone } from "../sms/phone";

/**
 * Sender identities: who a message comes from, each with a daily cap (UTC
 * days). Email: a from-address. SMS: a Twilio number or a Messaging Service
 * (docs/decisions/045). A campaign chooses some of each channel and rotates
 * across those with capacity left today.
 */
const dailyCap = z.number({ error: "Enter the daily cap as a whole number" }).int("Enter the daily cap as a whole number")
  .min(1, "A daily cap is at least 1 message").max(1_000_000, "A daily cap is at most 1,000,000 messages");

export const senderInput = z.object({
  fromEmail: z.email("Enter the sending address"),
  fromName: oneLine(z.string().trim().max(200), "The from name").default(""),
  dailyCap: dailyCap.default(1000),
});

export const smsSenderInput = z.object({
  /** A Twilio number (any common notation; stored as E.164) or a Messaging Service SID. */
  sender: z.string().trim().min(1, "Enter a Twilio number like +14155550100 or a Messaging Service SID (MG…)").max(64, "That is too long for a phone number or a Messaging Service SID"),
  dailyCap: dailyCap.default(1000),
});

export const dailyCapInput = z.object({ id: z.number().int().positive(), dailyCap });

const MESSAGING_SERVICE_SID = /^MG[0-9a-fA-F]{32}$/;

/**
 * What an SMS sender typed on the form becomes: a Messaging Service SID as
 * is, a number as E.164 (read as `defaultCountry`'s when written without a
 * country code, like leads' numbers). Anything else is refused with a
 * sentence that says what to type.
 */
export function parseSmsSender(raw: string, defaultCountry?: string): string {
  const input = raw.trim();
  if (/^MG/i.test(input)) {
    if (!MESSAGING_SERVICE_SID.test(input)) throw new ValidationFailed(`"${input.slice(0, 40)}" is not a Messaging Service SID: it is MG followed by 32 hexadecimal characters, as Twilio's console shows it.`, { sender: ["Enter a Messaging Service SID like MG0123456789abcdef0123456789abcdef"] });
    return input;
  }
  const phone = normalisePhone(input, defaultCountry);
  if (!phone.ok) throw new ValidationFailed(`The sender number ${phone.reason}. Enter a Twilio number in international form (+14155550100) or a Messaging Service SID (MG…).`, { sender: [`The number ${phone.reason}`] });
  return phone.e164;
}

export async function createSender(db: Executor, input: z.input<typeof senderInput>) {
  const s = senderInput.parse(input);
  const [clash] = await db.select({ id: senderIdentities.id }).from(senderIdentities).where(sql`lower(${senderIdentities.fromEmail}) = lower(${s.fromEmail})`);
  if (clash) throw new Conflict(`${s.fromEmail} is already a sender identity.`);
  const [row] = await db.insert(senderIdentities).values({ ...s, channel: "email" }).returning();
  return row!;
}

export async function createSmsSender(db: Executor, input: z.input<typeof smsSenderInput>, config: Pick<Config, "SMS_DEFAULT_COUNTRY">) {
  const s = smsSenderInput.parse(input);
  const smsSender = parseSmsSender(s.sender, config.SMS_DEFAULT_COUNTRY);
  const [row] = await db.insert(senderIdentities).values({ channel: "sms", smsSender, dailyCap: s.dailyCap })
    .onConflictDoNothing({ target: senderIdentities.smsSender }).returning();
  if (!row) throw new Conflict(`${smsSender} is already an SMS sender.`);
  return row;
}

export async function setDailyCap(db: Executor, input: z.input<typeof dailyCapInput>) {
  const { id, dailyCap: cap } = dailyCapInput.parse(input);
  const [row] = await db.update(senderIdentities).set({ dailyCap: cap, updatedAt: new Date() }).where(eq(senderIdentities.id, id)).returning();
  if (!row) throw new NotFound("That sender does not exist.");
  return row;
}

/**
 * Every identity with what it sent today (UTC) against its cap, how many
 * campaigns chose it, and for SMS ones whether the configuration names it:
 * email ones first, then SMS, each by address.
 */
export async function listSenders(db: Executor, config?: Pick<Config, "smsTransport" | "smsSenders">) {
  const configured = new Set(config ? configuredSmsSenders(config) : []);
  const rows = await db
    .select({
      id: senderIdentities.id, channel: senderIdentities.channel, fromEmail: senderIdentities.fromEmail, fromName: senderIdentities.fromName,
      smsSender: senderIdentities.smsSender, dailyCap: senderIdentities.dailyCap, createdAt: senderIdentities.createdAt,
      sentToday: sql<number>`coalesce(${senderDailyUsage.sent}, 0)::int`,
      campaigns: sql<number>`(select count(*)::int from campaign_senders cs where cs.sender_id = ${senderIdentities.id})`,
    })
    .from(senderIdentities)
    .leftJoin(senderDailyUsage, and(eq(senderDailyUsage.senderId, senderIdentities.id), sql`${senderDailyUsage.day} = (now() at time zone 'UTC')::date`))
    .orderBy(asc(senderIdentities.channel), asc(sql`coalesce(${senderIdentities.fromEmail}, ${senderIdentities.smsSender})`));
  return rows.map((r) => ({ ...r, address: r.fromEmail ?? r.smsSender ?? "", configured: r.smsSender !== null && configured.has(r.smsSender) }));
}

/**
 * The SMS senders the configuration names: the Messaging Service when Twilio
 * sends and one is set (it picks its own numbers), else the numbers, else a
 * Messaging Service shown in the Outbox. A campaign that chooses no SMS
 * sender texts from these.
 */
export function configuredSmsSenders(config: Pick<Config, "smsTransport" | "smsSenders">): string[] {
  const { numbers, messagingServiceSid } = config.smsSenders;
  if (config.smsTransport === "twilio" && messagingServiceSid) return [messagingServiceSid];
  if (numbers.length) return numbers;
  return messagingServiceSid ? [messagingServiceSid] : [];
}

/**
 * Makes the configured SMS senders identities (at start), so their usage and
 * caps show on the Senders page and hold like any other's. One already there
 * keeps its cap; a new one gets what its number can send in a day at
 * TWILIO_NUMBER_MPS, so configured numbers send as much as before until
 * someone sets a real cap (docs/decisions/045).
 */
export async function seedConfiguredSmsSenders(db: Executor, config: Pick<Config, "smsTransport" | "smsSenders" | "TWILIO_NUMBER_MPS">): Promise<number> {
  const senders = configuredSmsSenders(config);
  if (!senders.length) return 0;
  const cap = Math.min(1_000_000, Math.max(1, Math.floor(config.TWILIO_NUMBER_MPS * 86_400)));
  const added = await db.insert(senderIdentities).values(senders.map((smsSender) => ({ channel: "sms" as const, smsSender, dailyCap: cap })))
    .onConflictDoNothing({ target: senderIdentities.smsSender }).returning({ id: senderIdentities.id });
  return added.length;
}
