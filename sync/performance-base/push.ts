import { sql } from "drizzle-orm";
import type { Services } from "../../server/services";
import { periodRates, type Totals } from "../../server/stats/series";
import type { AirtableBase } from "../client";
import { claimOutbox, completeOutbox, handleFailure } from "../outbox";
import { CAMPAIGN_KPIS_TABLE, GLOBAL_KPIS_TABLE } from "../schema";

type Day = Totals & { [key: string]: unknown; campaign_id?: number; name?: string; day: string };

const metrics = (t: Totals) => {
  const r = periodRates(t);
  return {
    Sent: t.sent, Delivered: t.delivered, Failed: t.failed, Opened: t.unique_opened, Clicked: t.unique_clicked, Replied: t.replied, Bounced: t.bounced, Unsubscribed: t.unsubscribed,
    "Open Rate": r.open ?? 0, "Click Rate": r.click ?? 0, "Reply Rate": r.reply ?? 0, "Bounce Rate": r.bounce ?? 0,
  };
};
const SUMS = sql.raw(["sent", "delivered", "delivery_delayed", "failed", "bounced", "complained", "opened", "unique_opened", "machine_opened", "clicked", "unique_clicked", "replied", "unsubscribed"].map((c) => `sum(s.${c})::int as ${c}`).join(", "));

/** Flushes changed KPI days to the Performance base: Campaign KPIs (campaign × day) and Global KPIs (day). */
export async function pushPerformance(services: Services, base: AirtableBase, budget = 2500): Promise<number> {
  const { db } = services;
  let pushed = 0;
  while (pushed < budget) {
    // Ten of one kind at a time, so every request carries a full ten records.
    let rows = await claimOutbox(db, "performance", 10, "kpi:");
    if (!rows.length) rows = await claimOutbox(db, "performance", 10, "global:");
    if (!rows.length) break;
    const kpis = rows.filter((r) => r.record_key.startsWith("kpi:")).map((r) => ({ campaign_id: Number(r.record_key.split(":")[1]), day: r.record_key.split(":")[2]! }));
    const days = rows.filter((r) => r.record_key.startsWith("global:")).map((r) => r.record_key.slice(7));
    try {
      if (kpis.length) {
        const data = await db.execute<Day>(sql`
          select s.campaign_id, c.name, s.day::text, ${SUMS}
          from campaign_daily_stats s join campaigns c on c.id = s.campaign_id
          join jsonb_to_recordset(${JSON.stringify(kpis)}::jsonb) as k(campaign_id bigint, day date) on k.campaign_id = s.campaign_id and k.day = s.day
          group by 1, 2, 3`);
        await base.upsert(CAMPAIGN_KPIS_TABLE, data.map((d) => ({ Key: `${d.campaign_id}:${d.day}`, "Herald ID": d.campaign_id, Campaign: d.name, Date: d.day, ...metrics(d) })), ["Key"]);
      }
      if (days.length) {
        const data = await db.execute<Day>(sql`
          select s.day::text, ${SUMS} from global_daily_stats s
          where s.day in (select x::date from jsonb_array_elements_text(${JSON.stringify(days)}::jsonb) x) group by s.day`);
        await base.upsert(GLOBAL_KPIS_TABLE, data.map((d) => ({ Date: d.day, ...metrics(d) })), ["Date"]);
      }
      await completeOutbox(db, rows);
      pushed += rows.length;
    } catch (error) {
      await handleFailure(services, rows, error, "performance");
      break;
    }
  }
  if (pushed) await db.execute(sql`insert into sync_state (base, last_push_at) values ('performance', now()) on conflict (base) do update set last_push_at = now(), updated_at = now()`);
  return pushed;
}
