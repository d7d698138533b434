import { sql } from "drizzle-orm";
import type { Services } from "../../server/services";
import { ratesOf } from "../../server/stats/rates";
import { smsCountsOf, smsRatesOf } from "../../shared/sms-rates";
import type { AirtableBase, AirtableRecord } from "../client";
import { claimOutbox, completeOutbox, handleFailure, PUSH_LANES, setAside, writeIsolated, type OutboxRow } from "../outbox";
import { CONTROL_TABLE, toAirtableStatus } from "../schema";

export interface CampaignRow {
  [key: string]: unknown;
  id: number; name: string; status: string; status_changed_at: string; run_number: number | null; sent: number; delivered: number; failed: number; opened: number; clicked: number;
  replied: number; bounced: number; complained: number; unsubscribed: number; human_opened: number; human_clicked: number;
  sms_sent: number; sms_delivered: number; sms_failed: number; sms_replied: number; sms_opted_out: number; people_texted: number; people_text_delivered: number; last_run_at: string | null; last_run_result: string | null;
  record_id: string | null; sent_status: string | null; sent_status_at: string | null;
}

/** A campaign with its link (the Airtable record and the Status Herald last sent there). */
export const campaignRows = (where: ReturnType<typeof sql>) => sql`
  select c.id, c.name, c.status, c.status_changed_at::text, r.run_number, c.sent, c.delivered, c.failed, c.opened, c.clicked, c.replied, c.bounced, c.complained, c.unsubscribed, c.people_sent, c.people_bounced, c.human_opened, c.human_clicked,
         c.sms_sent, c.sms_delivered, c.sms_failed, c.sms_replied, c.sms_opted_out, c.people_texted, c.people_text_delivered, c.last_run_at::text, c.last_run_result, l.record_id, l.sent_status, l.sent_status_at::text
  from campaigns c
  left join campaign_runs r on r.campaign_id = c.id and r.id = c.current_run_id
  left join sync_links l on l.campaign_id = c.id and l.base = 'control'
  where ${where}`;

interface Item {
  row: OutboxRow;
  campaign: CampaignRow;
  recordId: string | null;
  fields: Record<string, unknown>;
}

/**
 * Flushes pending campaign changes to the Control base, 10 records a request.
 * Known records are addressed by their Airtable id (sync_links), so a copy
 * with the same Herald ID changes nothing; new ones are upserted on Herald ID.
 * Status is written only when Herald's status differs from the one Herald
 * last sent (or to revert a refused edit), right after checking that ops have
 * not changed it since. A record Airtable refuses is set aside alone; a
 * record deleted in Airtable is created again with its full state. Returns how
 * many records were written.
 */
export async function pushControl(services: Services, base: AirtableBase, budget = 1000): Promise<number> {
  const { db } = services;
  let pushed = 0;
  let failed = false;
  const lane = async () => {
    while (pushed < budget && !failed) {
      const rows = await claimOutbox(db, "control", 10);
      if (!rows.length) return;
      const campaigns = await db.execute<CampaignRow>(campaignRows(sql`c.id in (select x::bigint from jsonb_array_elements_text(${JSON.stringify(rows.map((r) => r.campaign_id))}::jsonb) x)`));
      const byId = new Map(campaigns.map((c) => [c.id, c]));
      await completeOutbox(db, rows.filter((r) => !byId.has(r.campaign_id!))); // campaigns deleted since
      const items: Item[] = rows.filter((r) => byId.has(r.campaign_id!)).map((row) => {
        const campaign = byId.get(row.campaign_id!)!;
        return { row, campaign, recordId: campaign.record_id, fields: fieldsFor(campaign, row) };
      });
      if (!items.length) continue;
      try {
        await guardStatusWrites(base, items);
        const write = async (chunk: Item[]) => {
          const sentAt = new Date();
          const written = await base.write(CONTROL_TABLE, chunk.map((i) => ({ id: i.recordId ?? undefined, fields: i.fields })), ["Herald ID"]);
          await remember(services, chunk, written, sentAt);
          pushed += chunk.length;
        };
        const refused = (item: Item, error: Error) => refuse(services, base, item, error, write);
        await writeIsolated(items.filter((i) => i.recordId), write, refused);
        await writeIsolated(items.filter((i) => !i.recordId), write, refused);
      } catch (error) {
        await handleFailure(services, items.map((i) => i.row), error, "control");
        failed = true;
      }
    }
  };
  // Lanes: a request is in flight while the next chunk is read, so the pacer, not the round trips, sets the pace.
  await Promise.all(Array.from({ length: PUSH_LANES }, lane));
  if (pushed) await db.execute(sql`insert into sync_state (base, last_push_at) values ('control', now()) on conflict (base) do update set last_push_at = now(), updated_at = now()`);
  return pushed;
}

/**
 * Before Herald writes Status over a known record, one request reads the
 * records' Status: a value Herald did not send is an ops edit the pull has
 * not seen yet (nor decided about, for a revert), so this push leaves Status
 * alone and the next pull decides.
 * A record that is gone was deleted in Airtable: it is created again.
 */
async function guardStatusWrites(base: AirtableBase, items: Item[]) {
  const guarded = items.filter((i) => i.recordId && "Status" in i.fields);
  if (!guarded.length) return;
  const found = await base.list(CONTROL_TABLE, { filterByFormula: `OR(${guarded.map((i) => `RECORD_ID()='${i.recordId}'`).join(",")})`, fields: ["Status"] });
  for (const item of guarded) {
    const record = found.find((r) => r.id === item.recordId);
    if (!record) {
      item.recordId = null; // deleted in Airtable: recreate with everything, Status included
      continue;
    }
    const now = (record.fields.Status as string | undefined) ?? "";
    const known = [item.campaign.sent_status ?? "", String(item.fields.Status), ...(item.row.payload.forceStatus && item.row.payload.seen !== undefined ? [item.row.payload.seen] : [])];
    if (!known.includes(now)) delete item.fields.Status;
  }
}

/** After a write: the record ids, and the Status Herald itself sent (never a value read back). Done rows leave the outbox. */
async function remember(services: Services, chunk: Item[], written: AirtableRecord[], sentAt: Date) {
  const links = chunk.map((item, i) => ({ campaign_id: item.campaign.id, record_id: written[i]!.id, status: "Status" in item.fields ? String(item.fields.Status) : null }));
  await services.db.execute(sql`
    insert into sync_links (campaign_id, base, record_id, sent_status, sent_status_at, last_pushed_at)
    select x.campaign_id, 'control', x.record_id, x.status, case when x.status is null then null else ${sentAt.toISOString()}::timestamptz end, now()
    from jsonb_to_recordset(${JSON.stringify(links)}::jsonb) as x(campaign_id bigint, record_id text, status text)
    on conflict (campaign_id, base) do update set record_id = excluded.record_id, last_pushed_at = now(),
      sent_status = coalesce(excluded.sent_status, sync_links.sent_status), sent_status_at = coalesce(excluded.sent_status_at, sync_links.sent_status_at), updated_at = now()`);
  await completeOutbox(services.db, chunk.map((i) => i.row));
}

/** One record Airtable refused on its own. Gone: created again. A duplicated Herald ID: the copies are named. Else set aside with Airtable's reason. */
async function refuse(services: Services, base: AirtableBase, item: Item, error: Error, write: (chunk: Item[]) => Promise<void>) {
  const { campaign } = item;
  if (item.recordId) {
    const still = await base.list(CONTROL_TABLE, { filterByFormula: `RECORD_ID()='${item.recordId}'`, fields: ["Herald ID"] });
    if (!still.length) {
      await services.db.execute(sql`delete from sync_links where campaign_id = ${campaign.id} and base = 'control'`);
      item.recordId = null;
      item.fields = fieldsFor({ ...campaign, sent_status: null }, item.row);
      return writeIsolated([item], write, (i, e) => setAside(services.db, "control", i.row, `campaign "${campaign.name}" (#${campaign.id}): ${e.message}`, null));
    }
  }
  let reason = error.message;
  if (/multiple records/i.test(reason)) {
    const copies = await base.list(CONTROL_TABLE, { filterByFormula: `{Herald ID} = ${campaign.id}`, fields: ["Herald ID"] });
    reason = `${copies.length} Airtable records have Herald ID ${campaign.id} (${copies.map((c) => c.id).join(", ")}): delete the copy; Herald then keeps the other in step`;
  }
  await setAside(services.db, "control", item.row, `campaign "${campaign.name}" (#${campaign.id}): ${reason}`, item.recordId);
}

/** The fields Herald owns, as the record should show them now (compared by the pull to restore edits). */
export function mirroredFields(c: CampaignRow): Record<string, unknown> {
  const rates = ratesOf(c);
  return {
    "Herald ID": c.id,
    Name: c.name,
    Run: c.run_number ?? 0,
    Sent: c.sent, Delivered: c.delivered, Failed: c.failed, Opened: c.opened, Clicked: c.clicked, Replied: c.replied, Bounced: c.bounced, Unsubscribed: c.unsubscribed,
    "Open Rate": rates.open ?? 0, "Click Rate": rates.click ?? 0, "Reply Rate": rates.reply ?? 0, "Bounce Rate": rates.bounce ?? 0,
    "Human Opened": c.human_opened, "Human Clicked": c.human_clicked,
    "Human Open Rate": rates.humanOpen, "Human Click Rate": rates.humanClick, "Human Click-to-Open": rates.humanClickToOpen,
    // Text messages: the SMS engine's field names; rates over people texted (0 before any was sent, like the email rates).
    ...smsFields(c),
    "Last Run At": c.last_run_at ? new Date(c.last_run_at).toISOString() : null,
    "Last Run Result": c.last_run_result ?? "",
  };
}

function smsFields(c: CampaignRow): Record<string, unknown> {
  const rates = smsRatesOf(smsCountsOf(c));
  return {
    "Total Sent": c.sms_sent, "Total Delivered": c.sms_delivered, "Total Failed": c.sms_failed, "Total Replies": c.sms_replied, "Total Opt Outs": c.sms_opted_out,
    "People Texted": c.people_texted, "Delivery Rate": rates.delivery ?? 0, "Opt Out Rate": rates.optOut ?? 0,
  };
}

function fieldsFor(c: CampaignRow, row: OutboxRow): Record<string, unknown> {
  const status = toAirtableStatus(c.status);
  const writeStatus = !c.record_id || status !== c.sent_status || row.payload.forceStatus;
  return {
    ...mirroredFields(c),
    ...(writeStatus ? { Status: status } : {}),
    "Last Synced": new Date().toISOString(),
    ...(row.payload.note !== undefined ? { "Sync Note": row.payload.note } : {}),
  };
}
