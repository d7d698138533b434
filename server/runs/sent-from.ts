import { sql } from "drizzle-orm";
import type { Executor } from "../../db/client";

export interface SentFrom {
  recipientId: number;
  stepNumber: number;
  channel: "email" | "sms";
  /** The sender identity the message went from: an address, a number or a Messaging Service SID. */
  sender: string;
}

/**
 * Which sender identity each sent message of the listed recipients went
 * from, fixed when its batch was claimed (decision 010): one lookup per
 * recipient on the run's (campaign, recipient, step) key. Messages sent
 * without an identity (a campaign's own From, a configured SMS sender not
 * yet seeded) are not listed.
 */
export async function sentFrom(db: Executor, campaignId: number, runId: number, recipientIds: number[]): Promise<SentFrom[]> {
  if (!recipientIds.length) return [];
  const rows = await db.execute<{ recipient_id: number; step_number: number; channel: "email" | "sms"; sender: string }>(sql`
    select e.recipient_id, e.step_number, s.channel, coalesce(s.from_email, s.sms_sender) as sender
    from scheduled_emails e join sender_identities s on s.id = e.sender_id
    where e.campaign_id = ${campaignId} and e.run_id = ${runId} and e.status = 'sent'
      and e.recipient_id in (select value::bigint from jsonb_array_elements_text(${JSON.stringify(recipientIds)}::jsonb))
    order by e.recipient_id, e.step_number`);
  return rows.map((r) => ({ recipientId: Number(r.recipient_id), stepNumber: Number(r.step_number), channel: r.channel, sender: r.sender }));
}
