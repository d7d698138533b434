import { randomBytes } from "node:crypto";
import { sql } from "drizzle-orm";
import { prepared } from "../../db/client";
import type { Transport } from "./transport";

/**
 * An outbox message id: unguessable (a reply's In-Reply-To names it, so it
 * ends in 128 random bits) but starting with the time in milliseconds, so
 * the index on message ids grows at its right edge. A wholly random id put
 * each of a batch's hundred entries on a different page of an index as large
 * as the run: at a million emails, more than one full-page WAL image per
 * email after every checkpoint.
 */
function outboxMessageIds(count: number): string[] {
  const time = Date.now().toString(36).padStart(9, "0");
  const random = randomBytes(16 * count); // one call for the batch, 16 bytes each
  return Array.from({ length: count }, (_, i) => `outbox-${time}${random.subarray(16 * i, 16 * i + 16).toString("base64url")}`);
}

/**
 * Stores rendered messages in Postgres for the Outbox page instead of
 * delivering them. It writes in the transaction that records the send, so a
 * crash leaves either both or neither: it can never "send" twice.
 */
export const outboxTransport: Transport = {
  name: "outbox",
  rateLimited: false,
  transactional: true,
  async send(emails, { tx, writes }) {
    if (!emails.length) return [];
    const messageIds = outboxMessageIds(emails.length);
    const rows = emails.map((e, i) => ({
      campaign_id: e.campaignId, scheduled_email_id: e.scheduledEmailId, provider_message_id: messageIds[i]!,
      from_address: e.from, to_address: e.to, subject: e.subject, html: e.html, text: e.text, headers: e.headers, channel: e.channel ?? "email",
    }));
    const input = sql`jsonb_to_recordset(${JSON.stringify(rows)}::jsonb)
        as t(campaign_id bigint, scheduled_email_id bigint, provider_message_id text, from_address text, to_address text, subject text, html text, text text, headers jsonb, channel text)`;
    const insert = sql`insert into outbox_messages (campaign_id, scheduled_email_id, provider_message_id, from_address, to_address, subject, html, text, headers, channel)
      select campaign_id, scheduled_email_id, provider_message_id, from_address, to_address, subject, html, text, headers, channel::message_channel from ${input}`;
    if (writes) {
      // Left to the caller's one transaction, whose emails are pending, so none of them can have a message yet: the
      // answer is the new ids now. Should one of them already have one, the unique key refuses the insert and the
      // whole batch rolls back (a plain insert: "on conflict do nothing" and a count cost 30 % more per batch).
      writes.push(() => prepared(tx, insert));
      return messageIds.map((providerMessageId) => ({ ok: true as const, providerMessageId }));
    }
    // A message stored by an earlier attempt keeps its id: the no-op update makes `returning` give it back.
    const stored = await prepared<{ scheduled_email_id: number; provider_message_id: string }>(tx, sql`
      ${insert} on conflict (campaign_id, scheduled_email_id) do update set provider_message_id = outbox_messages.provider_message_id
      returning scheduled_email_id, provider_message_id`);
    const ids = new Map(stored.map((r) => [Number(r.scheduled_email_id), r.provider_message_id]));
    return rows.map((r) => ({ ok: true as const, providerMessageId: ids.get(r.scheduled_email_id) ?? r.provider_message_id }));
  },
};
