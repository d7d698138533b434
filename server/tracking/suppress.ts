import { sql } from "drizzle-orm";
import type { Executor } from "../../db/client";

export type SuppressionReason = "unsubscribed" | "hard_bounce" | "complaint" | "manual";
const leadStatus: Record<SuppressionReason, string | null> = { unsubscribed: "unsubscribed", hard_bounce: "bounced", complaint: "complained", manual: null };

/**
 * Suppresses an address in every campaign at once: it is never sent another
 * email, and its waiting emails everywhere turn `skipped`.
 */
export async function suppressAddress(tx: Executor, email: string, reason: SuppressionReason, options: { campaignId?: number | null; note?: string } = {}) {
  const inserted = await tx.execute(sql`
    insert into suppressions (email, reason, campaign_id, note) values (${email}, ${reason}, ${options.campaignId ?? null}, ${options.note ?? ""})
    on conflict ((lower(email))) do nothing returning 1`);
  const status = leadStatus[reason];
  if (status) await tx.execute(sql`update leads set status = ${status}::lead_status, updated_at = now() where lower(email) = lower(${email}) and status = 'active'`);
  // An email a batch holds right now is in flight: it goes (the batch looked at suppressions when it claimed it).
  // Waiting for it instead would deadlock with that batch, which locks the recipient's row after its emails.
  const skipped = await tx.execute(sql`
    update scheduled_emails e set status = 'skipped', error = ${`suppressed: ${reason.replace("_", " ")}`}, updated_at = now()
    from (
      select w.campaign_id, w.id from scheduled_emails w join run_recipients r on r.campaign_id = w.campaign_id and r.id = w.recipient_id
      where lower(r.email) = lower(${email}) and w.status in ('pending', 'paused')
      for update of w skip locked
    ) waiting
    where e.campaign_id = waiting.campaign_id and e.id = waiting.id
    returning 1`);
  return { alreadySuppressed: inserted.length === 0, skipped: skipped.length };
}
