import { sql } from "drizzle-orm";
import type { Database } from "../../db/client";
import { campaigns } from "../../db/schema";
import { transitionCampaign } from "../campaigns/lifecycle";
import type { Services } from "../services";
import { composeSms } from "../sms/compose";
import { smsSendersNow } from "../sms/senders";
import { assignSenders, composeEmail, type BatchRow, type TemplateRow } from "./compose";
import type { OutgoingEmail } from "./transport";

class Rollback extends Error {}

/**
 * What `herald run` would send now, rendered, without sending or changing
 * anything: a draft is started inside a transaction that is rolled back.
 */
export async function dryRun(services: Services, campaignId: number, limit?: number): Promise<{
  due: number; rendered: number; samples: OutgoingEmail[]; wouldStart: boolean;
  /** SMS steps: texts that would go out, those skipped (no phone, or the number opted out), and those every SMS sender's daily cap sends to tomorrow. */
  sms: { texts: number; noPhone: number; optedOut: number; overCap: number; samples: OutgoingEmail[] };
}> {
  let outcome: Awaited<ReturnType<typeof dryRun>> | null = null;
  await (services.db as Database).transaction(async (tx) => {
    const [c] = await tx.select().from(campaigns).where(sql`${campaigns.id} = ${campaignId}`);
    const wouldStart = c?.status === "draft";
    if (wouldStart) await transitionCampaign(tx, campaignId, "start", { source: "cli" });
    const [current] = await tx.select().from(campaigns).where(sql`${campaigns.id} = ${campaignId}`);
    const rows = await tx.execute<BatchRow & { phone_suppressed: boolean; template_subject: string; template_html: string; template_text: string }>(sql`
      select e.id, e.recipient_id, e.step_number, e.template_id, e.attempts, r.email, r.replied_at, st.stop_on_reply,
             l.first_name, l.last_name, l.company, l.attributes, st.channel, l.phone,
             exists (select 1 from phone_suppressions ps where ps.phone = l.phone) as phone_suppressed, t.subject as template_subject, t.html as template_html, t.text as template_text
      from scheduled_emails e
      join run_recipients r on r.campaign_id = e.campaign_id and r.id = e.recipient_id
      join leads l on l.id = r.lead_id
      join sequence_steps st on st.campaign_id = e.campaign_id and st.step_number = e.step_number
      join templates t on t.id = e.template_id
      where e.campaign_id = ${campaignId} and e.run_id = ${current?.currentRunId ?? 0} and e.status = 'pending' and e.scheduled_for <= clock_timestamp()
      order by e.scheduled_for, e.id
      ${limit ? sql`limit ${limit}` : sql``}`);
    const samples: OutgoingEmail[] = [];
    const sms = { texts: 0, noPhone: 0, optedOut: 0, overCap: 0, samples: [] as OutgoingEmail[] };
    // The SMS senders the texts would rotate over, with today's capacity (decision 045).
    const smsRows = rows.filter((r) => r.channel === "sms" && r.phone && !r.phone_suppressed);
    const pool = smsRows.length ? await smsSendersNow(tx, campaignId, services.config) : [];
    const assigned = pool.length ? assignSenders(smsRows.length, pool, smsRows[0]!.id) : [];
    // undefined: no SMS sender at all (the Outbox's "Herald"); null: every sender is at its cap today.
    const smsFrom = new Map(smsRows.map((r, i) => [r.id, pool.length ? assigned[i] ?? null : undefined]));
    for (const row of rows) {
      const template: TemplateRow = { id: row.template_id, subject: row.template_subject, html: row.template_html, text: row.template_text };
      if (row.channel === "sms") {
        if (!row.phone) sms.noPhone++;
        else if (row.phone_suppressed) sms.optedOut++;
        else if (smsFrom.get(row.id) === null) sms.overCap++;
        else {
          sms.texts++;
          if (sms.samples.length < 3) sms.samples.push(composeSms(row, template, { id: campaignId, runId: current!.currentRunId!, fromName: current!.fromName, fromEmail: current!.fromEmail, replyTo: current!.replyTo }, services.config, smsFrom.get(row.id)?.from ?? null));
        }
        continue;
      }
      const email = composeEmail(row, template, { id: campaignId, runId: current!.currentRunId!, fromName: current!.fromName, fromEmail: current!.fromEmail, replyTo: current!.replyTo }, null, services.config.publicUrl, services.secret);
      if (samples.length < 3) samples.push(email);
    }
    outcome = { due: rows.length, rendered: rows.length, samples, wouldStart, sms };
    throw new Rollback();
  }).catch((error) => {
    if (!(error instanceof Rollback)) throw error;
  });
  return outcome!;
}
