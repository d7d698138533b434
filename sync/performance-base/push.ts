import { sql } from "drizzle-orm";
import type { Services } from "../../server/services";
import { periodRates, type Totals } from "../../server/stats/series";
import type { AirtableBase } from "../client";
import { claimOutbox, completeOutbox, handleFailure, PUSH_LANES, setAside, writeIsolated, type OutboxRow } from "../outbox";
import { CAMPAIGN_KPIS_TABLE, GLOBAL_KPIS_TABLE } from "../schema";

type Day = Totals & { [key: string]: unknown; campaign_id?: number; name?: string; day: string };

const metrics = (t: Totals) => {
  const r = periodRates(t);
  return {
    Sent: t.sent, Delivered: t.delivered, Failed: t.failed, Opened: t.unique_opened, Clicked: t.unique_clicked, Replied: t.replied, "Positive Replies": t.positive_replies, Bounced: t.bounced, Unsubscribed: t.unsubscribed,
    "Open Rate": r.open ?? 0, "Click Rate": r.click ?? 0, "Reply Rate": r.reply ?? 0, "Bounce Rate": r.bounce ?? 0,
    "Human Opened": t.human_opened, "Human Clicked": t.human_clicked,
    "Human Open Rate": r.humanOpen, "Human Click Rate": r.humanClick, "Human Click-to-Open": r.humanClickToOpen,
  };
};
const SUMS = sql.raw(["sent", "delivered", "delivery_delayed", "failed", "bounced", "complained", "opened", "unique_opened", "machine_opened", "clicked", "unique_clicked", "replied", "unsubscribed", "positive_replies", "machine_clicked", "human_opened", "human_clicked"].map((c) => `sum(s.${c})::int as ${c}`).join(", "));

/** Flushes changed KPI days to the Performance base: Campaign KPIs (campaign × day) and Global KPIs (day). */
export async function pushPerformance(services: Services, base: AirtableBase, budget = 2500): Promise<number> {
  const { db } = services;
  let pushed = 0;
  let failed = false;
  const lane = async () => {
    while (pushed < budget && !failed) {
      // Ten of one kind at a time, so every request carries a full ten records.
      let rows = await claimOutbox(db, "performance", 10, "kpi:");
      if (!rows.length) rows = await claimOutbox(db, "performance", 10, "global:");
      if (!rows.length) return;
      const kpis = rows.filter((r) => r.record_key.startsWith("kpi:")).map((r) => ({ campaign_id: Number(r.record_key.split(":")[1]), day: r.record_key.split(":")[2]! }));
      const days = rows.filter((r) => r.record_key.startsWith("global:")).map((r) => r.record_key.slice(7));
      try {
        const records = new Map<number, { table: string; key: string[]; fields: Record<string, unknown> }>();
        if (kpis.length) {
          const data = await db.execute<Day>(sql`
            select s.campaign_id, c.name, s.day::text, ${SUMS}, sum(s.people_sent)::int as people_sent
            from campaign_daily_stats s join campaigns c on c.id = s.campaign_id
            join jsonb_to_recordset(${JSON.stringify(kpis)}::jsonb) as k(campaign_id bigint, day date) on k.campaign_id = s.campaign_id and k.day = s.day
            group by 1, 2, 3`);
          for (const d of data) {
            const row = rows.find((r) => r.record_key === `kpi:${d.campaign_id}:${d.day}`)!;
            records.set(row.id, { table: CAMPAIGN_KPIS_TABLE, key: ["Key"], fields: { Key: `${d.campaign_id}:${d.day}`, "Herald ID": d.campaign_id, Campaign: d.name, Date: d.day, ...metrics(d) } });
          }
        }
        if (days.length) {
          const data = await db.execute<Day>(sql`
            select s.day::text, ${SUMS} from global_daily_stats s
            where s.day in (select x::date from jsonb_array_elements_text(${JSON.stringify(days)}::jsonb) x) group by s.day`);
          for (const d of data) records.set(rows.find((r) => r.record_key === `global:${d.day}`)!.id, { table: GLOBAL_KPIS_TABLE, key: ["Date"], fields: { Date: d.day, ...metrics(d) } });
        }
        await completeOutbox(db, rows.filter((r) => !records.has(r.id))); // nothing left to mirror
        // A record Airtable refuses (e.g. a Key duplicated by hand) is set aside alone; the others of its ten go through.
        for (const table of [CAMPAIGN_KPIS_TABLE, GLOBAL_KPIS_TABLE]) {
          const mine = rows.filter((r) => records.get(r.id)?.table === table);
          await writeIsolated(mine, async (chunk: OutboxRow[]) => {
            await base.write(table, chunk.map((r) => ({ fields: records.get(r.id)!.fields })), records.get(chunk[0]!.id)!.key);
            await completeOutbox(db, chunk);
            pushed += chunk.length;
          }, (row, error) => setAside(db, "performance", row, `${table} ${String(records.get(row.id)!.fields[table === GLOBAL_KPIS_TABLE ? "Date" : "Key"])}: ${error.message}`, null));
        }
      } catch (error) {
        await handleFailure(services, rows, error, "performance");
        failed = true;
      }
    }
  };
  // Lanes: a request is in flight while the next chunk is read, so the pacer, not the round trips, sets the pace.
  await Promise.all(Array.from({ length: PUSH_LANES }, lane));
  if (pushed) await db.execute(sql`insert into sync_state (base, last_push_at) values ('performance', now()) on conflict (base) do update set last_push_at = now(), updated_at = now()`);
  return pushed;
}
