import { sql } from "drizzle-orm";
import type { Database } from "../../db/client";
import { bumpCounters } from "../counters/bump";
import { suppressAddress } from "./suppress";
import { verifyToken } from "./tokens";

export type UnsubscribeResult =
  | { ok: true; email: string; alreadySuppressed: boolean; skipped: number }
  | { ok: false; reason: "invalid" | "unknown" };

/** Who a genuine unsubscribe token points at (for the confirmation page), without changing anything. */
export async function unsubscribeTarget(db: Database, secret: string, token: string): Promise<{ email: string } | null> {
  const claims = verifyToken(secret, token, "u");
  if (!claims) return null;
  const [row] = await db.execute<{ email: string }>(sql`
    select r.email from scheduled_emails e join run_recipients r on r.campaign_id = e.campaign_id and r.id = e.recipient_id
    where e.campaign_id = ${claims.campaignId} and e.id = ${claims.scheduledEmailId}`);
  return row ?? null;
}

/**
 * Unsubscribes the recipient of a signed link: the address is suppressed in
 * every campaign at once, its waiting emails everywhere turn `skipped`, and an
 * `unsubscribed` event is recorded once per recipient with the counters moved
 * in the same transaction. Forged or tampered tokens change nothing.
 *
 * A row transition, like a reply: the recipient's row is locked first, so
 * concurrent clicks on the same link (or links of the same recipient) queue
 * behind each other and only the first records the event and moves the
 * counter. Checking "no event yet" without the lock let two transactions both
 * see none whenever the address was already suppressed (nothing else made
 * them wait for each other).
 */
export async function unsubscribe(db: Database, secret: string, token: string, meta: { userAgent?: string; ip?: string } = {}): Promise<UnsubscribeResult> {
  const claims = verifyToken(secret, token, "u");
  if (!claims) return { ok: false, reason: "invalid" };
  return db.transaction(async (tx) => {
    const [target] = await tx.execute<{ email: string; run_id: number; recipient_id: number }>(sql`
      select r.email, r.run_id, r.id as recipient_id from scheduled_emails e
      join run_recipients r on r.campaign_id = e.campaign_id and r.id = e.recipient_id
      where e.campaign_id = ${claims.campaignId} and e.id = ${claims.scheduledEmailId}
      for update of r`);
    if (!target) return { ok: false as const, reason: "unknown" as const };
    const suppressed = await suppressAddress(tx, target.email, "unsubscribed", { campaignId: claims.campaignId, note: "unsubscribe link" });
    const [already] = await tx.execute(sql`
      select 1 from email_events where campaign_id = ${claims.campaignId} and recipient_id = ${target.recipient_id} and type = 'unsubscribed' limit 1`);
    if (!already) {
      await tx.execute(sql`
        insert into email_events (campaign_id, run_id, recipient_id, scheduled_email_id, type, user_agent, ip, data)
        values (${claims.campaignId}, ${target.run_id}, ${target.recipient_id}, ${claims.scheduledEmailId}, 'unsubscribed', ${meta.userAgent?.slice(0, 500) ?? null}, ${meta.ip ?? null}::inet, '{}'::jsonb)`);
      await tx.execute(sql`update run_recipients set status = 'unsubscribed', updated_at = now() where campaign_id = ${claims.campaignId} and id = ${target.recipient_id}`);
      await bumpCounters(tx, claims.campaignId, target.run_id, { unsubscribed: 1 });
    }
    return { ok: true as const, email: target.email, ...suppressed };
  });
}
