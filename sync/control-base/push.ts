import { sql } from "drizzle-orm";
import type { Services } from "../../server/services";
import { ratesOf } from "../../server/stats/rates";
import type { AirtableBase } from "../client";
import { claimOutbox, completeOutbox, handleFailure, type OutboxRow } from "../outbox";
import { CONTROL_TABLE, toAirtableStatus } from "../schema";

interface CampaignRow {
  [key: string]: unknown;
  id: number; name: string; status: string; run_number: number | null; sent: number; delivered: number; failed: number; opened: number; clicked: number;
  replied: number; bounced: number; complained: number; unsubscribed: number; last_run_at: string | null; last_run_result: string | null; last_pushed_status: string | null;
}

/**
 * Flushes pending campaign changes to the Control base, 10 records a request,
 * upserting on Herald ID. Status is written only when Herald changed it since
 * the last push (or to revert a refused edit), so an ops edit made since the
 * last pull is never overwritten by a counter update. A round writes up to
 * 1,000 records (about 21 s at Airtable's pace); each round pulls first, so an
 * ops edit waits at most one round. Returns how many records were written.
 */
export async function pushControl(services: Services, base: AirtableBase, budget = 1000): Promise<number> {
  const { db } = services;
  let pushed = 0;
  while (pushed < budget) {
    const rows = await claimOutbox(db, "control", 10);
    if (!rows.length) break;
    const campaigns = await db.execute<CampaignRow>(sql`
      select c.id, c.name, c.status, r.run_number, c.sent, c.delivered, c.failed, c.opened, c.clicked, c.replied, c.bounced, c.complained, c.unsubscribed,
             c.last_run_at::text, c.last_run_result, l.last_pushed_status
      from campaigns c
      left join campaign_runs r on r.campaign_id = c.id and r.id = c.current_run_id
      left join sync_links l on l.campaign_id = c.id and l.base = 'control'
      where c.id in (select x::bigint from jsonb_array_elements_text(${JSON.stringify(rows.map((r) => r.campaign_id))}::jsonb) x)`);
    const byId = new Map(campaigns.map((c) => [c.id, c]));
    const live = rows.filter((r) => byId.has(r.campaign_id!));
    await completeOutbox(db, rows.filter((r) => !byId.has(r.campaign_id!))); // campaigns deleted since
    if (!live.length) continue;
    const now = new Date().toISOString();
    const records = live.map((row) => fieldsFor(byId.get(row.campaign_id!)!, row, now));
    try {
      const written = await base.upsert(CONTROL_TABLE, records, ["Herald ID"]);
      await db.execute(sql`
        insert into sync_links (campaign_id, base, record_id, last_pushed_status, last_pushed_at)
        select x.campaign_id, 'control', x.record_id, x.status, now()
        from jsonb_to_recordset(${JSON.stringify(written.map((w) => ({ campaign_id: Number(w.fields["Herald ID"]), record_id: w.id, status: (w.fields.Status as string | undefined) ?? null })))}::jsonb)
          as x(campaign_id bigint, record_id text, status text)
        on conflict (campaign_id, base) do update set record_id = excluded.record_id, last_pushed_status = excluded.last_pushed_status, last_pushed_at = now(), updated_at = now()`);
      await completeOutbox(db, live);
      pushed += live.length;
    } catch (error) {
      await handleFailure(services, live, error, "control");
      break;
    }
  }
  if (pushed) await db.execute(sql`insert into sync_state (base, last_push_at) values ('control', now()) on conflict (base) do update set last_push_at = now(), updated_at = now()`);
  return pushed;
}

function fieldsFor(c: CampaignRow, row: OutboxRow, now: string): Record<string, unknown> {
  const status = toAirtableStatus(c.status);
  const rates = ratesOf(c);
  return {
    "Herald ID": c.id,
    Name: c.name,
    ...(status !== c.last_pushed_status || row.payload.forceStatus ? { Status: status } : {}),
    Run: c.run_number ?? 0,
    Sent: c.sent, Delivered: c.delivered, Failed: c.failed, Opened: c.opened, Clicked: c.clicked, Replied: c.replied, Bounced: c.bounced, Unsubscribed: c.unsubscribed,
    "Open Rate": rates.open ?? 0, "Click Rate": rates.click ?? 0, "Reply Rate": rates.reply ?? 0, "Bounce Rate": rates.bounce ?? 0,
    "Last Run At": c.last_run_at ? new Date(c.last_run_at).toISOString() : null,
    "Last Run Result": c.last_run_result ?? "",
    "Last Synced": now,
    ...(row.payload.note !== undefined ? { "Sync Note": row.payload.note } : {}),
  };
}
