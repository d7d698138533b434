import { sql } from "drizzle-orm";
import type { Executor } from "../../db/client";
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

const address = (name: string, email: string) => (name ? `${name.replace(/["<>]/g, "")} <${email}>` : email);

/** The campaign's email sender identities with what is left of each one's daily cap today (UTC), as a JSON array (a sub-query of the claim). SMS ones: server/sms/senders.ts. */
export const sendersNow = (campaignId: number) => sql`(
    select coalesce(jsonb_agg(jsonb_build_object('id', s.id, 'fromEmail', s.from_email, 'fromName', s.from_name,
                                                 'remaining', greatest(0, s.daily_cap - coalesce(u.sent, 0))) order by s.id), '[]'::jsonb)
    from campaign_senders cs
    join sender_identities s on s.id = cs.sender_id
    left join sender_daily_usage u on u.sender_id = s.id and u.day = (now() at time zone 'UTC')::date
    where cs.campaign_id = ${campaignId} and s.channel = 'email')`;

/** The campaign's sender identities with what is left of each one's daily cap today (UTC). */
export async function sendersWithCapacity(db: Executor, campaignId: number): Promise<Sender[]> {
  const [row] = await db.execute<{ senders: Sender[] }>(sql`select ${sendersNow(campaignId)} as senders`);
  return row?.senders ?? [];
}

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

/** A rendered message with its List-Unsubscribe headers (RFC 8058) and tags that map provider events back. */
export function composeEmail(row: BatchRow, template: TemplateRow, campaign: CampaignForSending, sender: Sender | null, publicUrl: string, secret: string): OutgoingEmail {
  const rendered = renderTemplate(template, mergeDataFor({ email: row.email, firstName: row.first_name, lastName: row.last_name, company: row.company, attributes: row.attributes }));
  const unsubscribeUrl = `${publicUrl}/u/${signToken(secret, { purpose: "u", campaignId: campaign.id, scheduledEmailId: row.id })}`;
  return {
    campaignId: campaign.id,
    scheduledEmailId: row.id,
    // An identity gives the address; the name typed on the form wins over the identity's (campaigns.ts fromAddresses).
    from: sender ? address(campaign.fromName || sender.fromName, sender.fromEmail) : address(campaign.fromName, campaign.fromEmail),
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
