import { hmacSha256 } from "../lib/hmac";
import { sql } from "drizzle-orm";
import type { Database, Executor } from "../../db/client";
import { bumpCounters } from "../counters/bump";
import { NotFound } from "../errors";

/** A short signed tag for plus-addressed reply-to addresses: replies+r<campaign>-<email>-<mac>@domain. */
export function replyTag(secret: string, campaignId: number, scheduledEmailId: number): string {
  const mac = hmacSha256(secret, `reply:${campaignId}.${scheduledEmailId}`).toString("base64url").replace(/[-_]/g, "").slice(0, 12);
  return `r${campaignId}-${scheduledEmailId}-${mac}`;
}

export function replyToAddress(secret: string, replyTo: string, campaignId: number, scheduledEmailId: number): string {
  const at = replyTo.lastIndexOf("@");
  if (at < 1) return replyTo;
  return `${replyTo.slice(0, at)}+${replyTag(secret, campaignId, scheduledEmailId)}${replyTo.slice(at)}`;
}

export function parseReplyTag(secret: string, address: string): { campaignId: number; scheduledEmailId: number } | null {
  const m = /\+r(\d+)-(\d+)-([A-Za-z0-9]{12})@/.exec(address);
  if (!m) return null;
  const campaignId = Number(m[1]);
  const scheduledEmailId = Number(m[2]);
  return replyTag(secret, campaignId, scheduledEmailId) === `r${m[1]}-${m[2]}-${m[3]}` ? { campaignId, scheduledEmailId } : null;
}

/** True when a From header ("Name <addr>" or a bare address) is the given recipient's address. */
export function sentBy(from: string | undefined, recipientEmail: string): boolean {
  if (!from) return false;
  const address = (/<([^<>]+)>\s*$/.exec(from)?.[1] ?? from).trim().toLowerCase();
  return address === recipientEmail.trim().toLowerCase();
}

/**
 * Records that a recipient replied: a `replied` event once per recipient, the
 * counters in the same transaction, and the recipient's remaining steps that
 * stop on reply turn `skipped`.
 */
export async function recordReply(tx: Executor, campaignId: number, recipientId: number, source: string): Promise<{ first: boolean; skipped: number }> {
  const [target] = await tx.execute<{ run_id: number; replied_at: string | null }>(sql`
    select run_id, replied_at from run_recipients where campaign_id = ${campaignId} and id = ${recipientId} for update`);
  if (!target) throw new NotFound("That recipient does not exist.");
  // Emails a batch holds right now are in flight and go (as in suppressAddress): waiting for them would deadlock.
  const skipped = await tx.execute(sql`
    update scheduled_emails e set status = 'skipped', error = 'recipient replied', updated_at = now()
    from (
      select w.campaign_id, w.id from scheduled_emails w join sequence_steps st on st.campaign_id = w.campaign_id and st.step_number = w.step_number
      where w.campaign_id = ${campaignId} and w.recipient_id = ${recipientId} and w.status in ('pending', 'paused') and st.stop_on_reply
      for update of w skip locked
    ) waiting
    where e.campaign_id = waiting.campaign_id and e.id = waiting.id
    returning 1`);
  if (target.replied_at) return { first: false, skipped: skipped.length };
  await tx.execute(sql`update run_recipients set replied_at = now(), updated_at = now() where campaign_id = ${campaignId} and id = ${recipientId}`);
  await tx.execute(sql`
    insert into email_events (campaign_id, run_id, recipient_id, type, data) values (${campaignId}, ${target.run_id}, ${recipientId}, 'replied', ${JSON.stringify({ source })}::jsonb)`);
  await bumpCounters(tx, campaignId, target.run_id, { replied: 1 });
  return { first: true, skipped: skipped.length };
}

/** `herald mark-replied`: a reply found outside Herald, for the campaign's most recent run that mailed the address. */
export async function markReplied(db: Database, campaignId: number, email: string, source = "cli") {
  return db.transaction(async (tx) => {
    const [recipient] = await tx.execute<{ id: number; run_number: number }>(sql`
      select r.id, cr.run_number from run_recipients r join campaign_runs cr on cr.campaign_id = r.campaign_id and cr.id = r.run_id
      where r.campaign_id = ${campaignId} and lower(r.email) = lower(${email.trim()})
      order by cr.run_number desc limit 1`);
    if (!recipient) throw new NotFound(`${email} is not a recipient of this campaign.`);
    return { ...(await recordReply(tx, campaignId, recipient.id, source)), runNumber: recipient.run_number };
  });
}
