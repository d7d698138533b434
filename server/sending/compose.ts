import { sql } from "drizzle-orm";
import { prepared, type Executor } from "../../db/client";
import { mergeDataFor, renderTemplate } from "../templates/render";
import { addTracking } from "../tracking/links";
import { replyToAddress } from "../tracking/replies";
import { signToken } from "../tracking/tokens";
import type { OutgoingEmail } from "./transport";

export type BatchRow = {
  id: number;
  recipient_id: number;
  step_number: number;
  template_id: number;
  attempts: number;
  email: string;
  replied_at: string | null;
  stop_on_reply: boolean;
  first_name: string | null;
  last_name: string | null;
  company: string | null;
  attributes: Record<string, string> | null;
  /** The step's channel and the lead's phone (E.164), read by the claim; absent on rows read back for recording. */
  channel?: "email" | "sms";
  phone?: string | null;
};

export interface CampaignForSending {
  id: number;
  runId: number;
  fromName: string;
  fromEmail: string;
  replyTo: string | null;
}

export type Sender = {
  id: number;
  fromEmail: string;
  fromName: string;
  remaining: number;
};

export type TemplateRow = {
  id: number;
  subject: string;
  html: string;
  text: string;
};

/**
 * A From mailbox: `Name <address>`, the name quoted when it holds one of RFC
 * 5322's specials ("Smith, Jones & Co <a@b>" unquoted is two mailboxes to an RFC
 * 5322 parser, and one refused From fails a strict batch whole), line breaks
 * never.
 */
export function mailbox(name: string, email: string): string {
  const plain = name.replace(/[\r\n]+/g, " ").trim();
  if (!plain) return email;
  return /[()<>[\]:;@\\,."]/.test(plain) ? `"${plain.replace(/["\\]/g, (c) => `\\${c}`)}" <${email}>` : `${plain} <${email}>`;
}

/** An email sender identity as the claim lists it: who may send, not yet what is left (see lockedEmailSenders). */
export type Identity = Omit<Sender, "remaining">;

/**
 * The campaign's email sender identities, as a JSON array (a sub-query of the
 * claim, so a campaign without any learns it without a statement of its own).
 * What each may still send is read only once they are locked: lockedEmailSenders.
 * SMS ones: server/sms/senders.ts.
 */
export const emailIdentities = (campaignId: number) => sql`(
    select coalesce(jsonb_agg(jsonb_build_object('id', s.id, 'fromEmail', s.from_email, 'fromName', s.from_name) order by s.id), '[]'::jsonb)
    from campaign_senders cs
    join sender_identities s on s.id = cs.sender_id
    where cs.campaign_id = ${campaignId} and s.channel = 'email')`;

/** The campaign's email sender identities (for rows claimed without them: a retake fixed late). */
export async function emailIdentitiesOf(db: Executor, campaignId: number): Promise<Identity[]> {
  const [row] = await db.execute<{ senders: Identity[] }>(sql`select ${emailIdentities(campaignId)} as senders`);
  return row?.senders ?? [];
}

/** A list of ids as a sub-query, one parameter whatever its length (the statement's text never varies). */
export const ids = (values: number[]) => sql`(select x::bigint from jsonb_array_elements_text(${JSON.stringify(values)}::jsonb) x)`;

/**
 * Locks these email identities until the caller's transaction ends and reads
 * what each may still send today (UTC), so two batches never hand out the
 * same capacity (docs/decisions/039, as 046 for texts): the rows are locked
 * `for no key update` in id order (the usage insert's foreign-key check is
 * not blocked), then, in the next statement, whose snapshot starts once the
 * lock is granted, each one's cap less today's recorded sends less emails
 * claimed with it and not recorded yet (`sending`: a Resend batch in flight
 * or waiting for its retake). An email is in one or the other, never both:
 * the statement that records it sent moves it out of `sending` and into the
 * usage. Both statements go out together (one round trip); the read takes
 * exactly the ids the lock was asked for, so it never reads an identity it
 * did not lock. Identities deleted meanwhile are simply absent.
 */
export async function lockedEmailSenders(tx: Executor, identityIds: number[]): Promise<Sender[]> {
  const [, left] = await Promise.all([
    prepared(tx, sql`select s.id from sender_identities s where s.id in ${ids(identityIds)} and s.channel = 'email' order by s.id for no key update of s`),
    prepared<{ id: number; from_email: string; from_name: string; remaining: number }>(tx, senderCapacity(identityIds, "email")),
  ]);
  return left.map((r) => ({ id: Number(r.id), fromEmail: r.from_email, fromName: r.from_name, remaining: Number(r.remaining) }));
}

/**
 * What each of these sender identities of one channel may still send today (UTC): its cap, less today's usage,
 * less its messages in flight. Read under the lock of lockedEmailSenders or smsSendersNow.
 */
export const senderCapacity = (identityIds: number[], channel: "email" | "sms") => sql`
      select s.id, s.from_email, s.from_name, s.sms_sender, greatest(0, s.daily_cap - coalesce(u.sent, 0) - coalesce(f.n, 0))::int as remaining
      from sender_identities s
      left join sender_daily_usage u on u.sender_id = s.id and u.day = (now() at time zone 'UTC')::date
      left join (
        -- "status = 'sending'" as the partial indexes on in-flight emails say it: the count reads those few rows only.
        select e.sender_id, count(*)::int as n from scheduled_emails e
        where e.status = 'sending' and e.sender_id in ${ids(identityIds)} group by e.sender_id
      ) f on f.sender_id = s.id
      where s.id in ${ids(identityIds)} and s.channel = ${sql.raw(`'${channel}'`)}
      order by s.id`;

/**
 * Picks a sender for each email in turn, rotating across identities that still
 * have daily capacity. Returns null for an email no identity can take today.
 */
export function assignSenders<S extends { remaining: number }>(count: number, senders: S[], offset: number): Array<S | null> {
  const remaining = senders.map((s) => ({ ...s }));
  const out: Array<S | null> = [];
  for (let i = 0; i < count; i++) {
    let chosen: S | null = null;
    for (let k = 0; k < remaining.length; k++) {
      const s = remaining[(offset + i + k) % remaining.length]!;
      if (s.remaining > 0) {
        s.remaining--;
        chosen = s;
        break;
      }
    }
    out.push(chosen);
  }
  return out;
}

/** An email's From: an identity gives the address; the name typed on the form wins over the identity's (campaigns.ts fromAddresses). */
export const fromAddress = (campaign: CampaignForSending, sender: Pick<Sender, "fromEmail" | "fromName"> | null) =>
  sender ? mailbox(campaign.fromName || sender.fromName, sender.fromEmail) : mailbox(campaign.fromName, campaign.fromEmail);

/** A rendered message with its List-Unsubscribe headers (RFC 8058) and tags that map provider events back. */
export function composeEmail(row: BatchRow, template: TemplateRow, campaign: CampaignForSending, sender: Sender | null, publicUrl: string, secret: string): OutgoingEmail {
  const rendered = renderTemplate(template, mergeDataFor({ email: row.email, firstName: row.first_name, lastName: row.last_name, company: row.company, attributes: row.attributes }));
  const unsubscribeUrl = `${publicUrl}/u/${signToken(secret, { purpose: "u", campaignId: campaign.id, scheduledEmailId: row.id })}`;
  return {
    campaignId: campaign.id,
    scheduledEmailId: row.id,
    from: fromAddress(campaign, sender),
    to: row.email,
    replyTo: campaign.replyTo ? replyToAddress(secret, campaign.replyTo, campaign.id, row.id) : null,
    subject: rendered.subject,
    html: addTracking(`${rendered.html}\n<p style="font-size:12px;color:#888">Don't want these emails? <a href="${unsubscribeUrl}">Unsubscribe</a>.</p>`, { publicUrl, secret, campaignId: campaign.id, scheduledEmailId: row.id }),
    text: `${rendered.text}\n\n--\nUnsubscribe: ${unsubscribeUrl}`,
    headers: { "List-Unsubscribe": `<${unsubscribeUrl}>`, "List-Unsubscribe-Post": "List-Unsubscribe=One-Click" },
    tags: [
      { name: "herald_campaign", value: String(campaign.id) },
      { name: "herald_run", value: String(campaign.runId) },
      { name: "herald_email", value: String(row.id) },
    ],
  };
}
