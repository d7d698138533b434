import { sql } from "drizzle-orm";
import type { Executor } from "../../db/client";
import type { Config } from "../config";
import { configuredSmsSenders } from "../senders/identities";
import { senderCapacity } from "../sending/compose";

/** A text's sender: an SMS identity (`id`) or, before the configured ones are seeded, a configured number without a cap (`id` null). */
export type SmsSender = { id: number | null; from: string; remaining: number };

const texts = (values: string[]) => sql`(select x from jsonb_array_elements_text(${JSON.stringify(values)}::jsonb) x)`;

/**
 * The SMS senders a campaign's texts rotate over, with what each may still
 * send today (UTC): the SMS identities the campaign chose, else the
 * configured ones (TWILIO_FROM_NUMBERS / TWILIO_MESSAGING_SERVICE_SID,
 * identities once seeded at start). Empty without either: the Outbox shows
 * "Herald".
 *
 * Capacity is never spent twice (docs/decisions/046): the identities are
 * locked in id order until the claim's transaction ends, then what is left is
 * read in a new statement (so it sees every claim that committed before the
 * lock was granted): the cap, less today's recorded sends, less texts claimed
 * with that sender and not recorded yet (`sending`: in flight, or waiting for
 * a retake). A text is counted in one or the other, never both: the statement
 * that records it sent moves it out of `sending` and into the usage.
 */
export async function smsSendersNow(tx: Executor, campaignId: number, config: Config): Promise<SmsSender[]> {
  const configured = configuredSmsSenders(config);
  const chosen = sql`(select cs.sender_id from campaign_senders cs join sender_identities c on c.id = cs.sender_id where cs.campaign_id = ${campaignId} and c.channel = 'sms')`;
  const pool = await tx.execute<{ id: number; sms_sender: string; chosen: boolean }>(sql`
    select s.id, s.sms_sender, s.id in ${chosen} as chosen from sender_identities s
    where s.channel = 'sms' and (s.id in ${chosen} or (not exists ${chosen} and s.sms_sender in ${texts(configured)}))
    order by s.id
    for no key update of s`);
  const ids = pool.map((p) => Number(p.id));
  // Configured senders not seeded yet (a database `herald start` / `herald worker` never opened): as before, without a cap.
  const stored = new Set(pool.map((p) => p.sms_sender));
  const unseeded = pool.some((p) => p.chosen) ? [] : configured.filter((s) => !stored.has(s)).map((from) => ({ id: null, from, remaining: Infinity }));
  if (!ids.length) return unseeded;
  const left = await tx.execute<{ id: number; sms_sender: string; remaining: number }>(senderCapacity(ids, "sms"));
  return [...left.map((r) => ({ id: Number(r.id), from: r.sms_sender, remaining: Number(r.remaining) })), ...unseeded];
}
