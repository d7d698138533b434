import { sql } from "drizzle-orm";
import type { Transport } from "./transport";

/**
 * Stores rendered messages in Postgres for the Outbox page instead of
 * delivering them. It writes in the transaction that records the send, so a
 * crash leaves either both or neither: it can never "send" twice.
 */
export const outboxTransport: Transport = {
  name: "outbox",
  rateLimited: false,
  async send(emails, { tx }) {
    if (!emails.length) return [];
    const rows = emails.map((e) => ({
      campaign_id: e.campaignId, scheduled_email_id: e.scheduledEmailId, provider_message_id: `outbox-${e.campaignId}-${e.scheduledEmailId}`,
      from_address: e.from, to_address: e.to, subject: e.subject, html: e.html, text: e.text, headers: e.headers,
    }));
    await tx.execute(sql`
      insert into outbox_messages (campaign_id, scheduled_email_id, provider_message_id, from_address, to_address, subject, html, text, headers)
      select campaign_id, scheduled_email_id, provider_message_id, from_address, to_address, subject, html, text, headers
      from jsonb_to_recordset(${JSON.stringify(rows)}::jsonb)
        as t(campaign_id bigint, scheduled_email_id bigint, provider_message_id text, from_address text, to_address text, subject text, html text, text text, headers jsonb)
      on conflict (campaign_id, scheduled_email_id) do nothing`);
    return rows.map((r) => ({ ok: true as const, providerMessageId: r.provider_message_id }));
  },
};
