import { createHash } from "node:crypto";
import { sql } from "drizzle-orm";
import type { Executor } from "../../db/client";
import { withOptOut } from "../../shared/sms-segments";

/**
 * The template an SMS step's body lives in: one per distinct body (named by
 * its hash), channel `sms`, subject and html empty, text the body with the
 * opt-out line. The run snapshot (run_steps) and the send path then treat it
 * like any template, so a running run keeps the text it started with.
 */
export async function smsTemplateFor(tx: Executor, body: string): Promise<number> {
  const text = withOptOut(body);
  const name = `SMS · ${createHash("sha256").update(text).digest("hex").slice(0, 12)}`;
  const [row] = await tx.execute<{ id: number }>(sql`
    insert into templates (name, subject, html, text, channel) values (${name}, '', '', ${text}, 'sms')
    on conflict ((lower(name))) do update set updated_at = templates.updated_at
    returning id`);
  return Number(row!.id);
}
