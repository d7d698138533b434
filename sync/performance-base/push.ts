import { sql } from "drizzle-orm";
import type { Services } from "../../server/services";
import { periodRates, type Totals } from "../../server/stats/series";
import { formatCost, MICROS, type Cost } from "../../shared/money";
import { smsCountsOf, smsRatesOf } from "../../shared/sms-rates";
import type { AirtableBase } from "../client";
import { claimOutbox, completeOutbox, handleFailure, PUSH_LANES, setAside, writeIsolated, type OutboxRow } from "../outbox";
import { CAMPAIGN_KPIS_TABLE, GLOBAL_KPIS_TABLE } from "../schema";

type Day = Totals & { [key: string]: unknown; campaign_id?: number; name?: string; day: string; stat_rows: number };

/** A day's text messages: people texted that day, texts, replies and opt-outs, the rates over people texted (decision 047), and the cost. */
const smsKpis = (t: Totals, cost: Cost) => {
  const r = smsRatesOf(smsCountsOf(t));
  // One currency (a Twilio account has one): the amount and its code. Several: no single amount, all of them written out.
  const amount = cost.length === 1 ? cost[0]!.costMicros / MICROS : null;
  return {
    "People Texted": t.people_texted, "Texts Sent": t.sms_sent, "Texts Delivered": t.sms_delivered, "Texts Failed": t.sms_failed, "SMS Replies": t.sms_replied, "SMS Opt Outs": t.sms_opted_out,
    "SMS Delivery Rate": r.delivery, "SMS Reply Rate": r.reply, "SMS Opt Out Rate": r.optOut,
    "SMS Cost": amount, "SMS Cost Currency": cost.length === 1 ? cost[0]!.currency : cost.length ? formatCost(cost) : "",
  };
};

const metrics = (t: Totals, cost: Cost) => {
  const r = periodRates(t);
  return {
    Sent: t.sent, Delivered: t.delivered, Failed: t.failed, Opened: t.unique_opened, Clicked: t.unique_clicked, Replied: t.replied, "Positive Replies": t.positive_replies, Bounced: t.bounced, Unsubscribed: t.unsubscribed,
    "Open Rate": r.open ?? 0, "Click Rate": r.click ?? 0, "Reply Rate": r.reply ?? 0, "Bounce Rate": r.bounce ?? 0,
    "Human Opened": t.human_opened, "Human Clicked": t.human_clicked,
    "Human Open Rate": r.humanOpen, "Human Click Rate": r.humanClick, "Human Click-to-Open": r.humanClickToOpen,
    ...smsKpis(t, cost),
  };
};
const SUMS = sql.raw(["sent", "delivered", "delivery_delayed", "failed", "bounced", "complained", "opened", "unique_opened", "machine_opened", "clicked", "unique_clicked", "replied", "unsubscribed", "positive_replies", "machine_clicked", "human_opened", "human_clicked",
  "sms_sent", "sms_delivered", "sms_failed", "sms_replied", "sms_opted_out", "people_texted", "people_text_delivered"].map((c) => `coalesce(sum(s.${c}), 0)::int as ${c}`).join(", "));

/** What Twilio charged per (campaign or everything) and day, per currency: sms_costs, whose changes queue these days too. */
async function costsOf(services: Services, keys: Array<{ campaign_id?: number; day: string }>): Promise<Map<string, Cost>> {
  const rows = await services.db.execute<{ key: string; currency: string; texts: number; cost: number }>(sql`
    select case when k.campaign_id is null then '' else k.campaign_id::text || ':' end || k.day::text as key, c.currency, sum(c.texts)::int as texts, sum(c.cost_micros)::float8 as cost
    from jsonb_to_recordset(${JSON.stringify(keys)}::jsonb) as k(campaign_id bigint, day date)
    join sms_costs c on c.day = k.day and (k.campaign_id is null or c.campaign_id = k.campaign_id)
    group by 1, 2 order by 1, 2`);
  const out = new Map<string, Cost>();
  for (const r of rows) out.set(r.key, [...(out.get(r.key) ?? []), { currency: r.currency, texts: Number(r.texts), costMicros: Number(r.cost) }]);
  return out;
}

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
          const costs = await costsOf(services, kpis);
          // A day with a cost but no counters (a text handed over just before midnight, recorded after it) is still a day to mirror.
          const data = await db.execute<Day>(sql`
            select k.campaign_id, c.name, k.day::text, ${SUMS}, coalesce(sum(s.people_sent), 0)::int as people_sent, count(s.day)::int as stat_rows
            from jsonb_to_recordset(${JSON.stringify(kpis)}::jsonb) as k(campaign_id bigint, day date) join campaigns c on c.id = k.campaign_id
            left join campaign_daily_stats s on s.campaign_id = k.campaign_id and s.day = k.day
            group by 1, 2, 3`);
          for (const d of data) {
            const cost = costs.get(`${d.campaign_id}:${d.day}`) ?? [];
            if (!d.stat_rows && !cost.length) continue;
            const row = rows.find((r) => r.record_key === `kpi:${d.campaign_id}:${d.day}`)!;
            records.set(row.id, { table: CAMPAIGN_KPIS_TABLE, key: ["Key"], fields: { Key: `${d.campaign_id}:${d.day}`, "Herald ID": d.campaign_id, Campaign: d.name, Date: d.day, ...metrics(d, cost) } });
          }
        }
        if (days.length) {
          const costs = await costsOf(services, days.map((day) => ({ day })));
          const data = await db.execute<Day>(sql`
            select x.day::text, ${SUMS}, count(s.day)::int as stat_rows
            from (select d::date as day from jsonb_array_elements_text(${JSON.stringify(days)}::jsonb) d) x left join global_daily_stats s on s.day = x.day
            group by x.day`);
          for (const d of data) {
            const cost = costs.get(d.day) ?? [];
            if (!d.stat_rows && !cost.length) continue;
            records.set(rows.find((r) => r.record_key === `global:${d.day}`)!.id, { table: GLOBAL_KPIS_TABLE, key: ["Date"], fields: { Date: d.day, ...metrics(d, cost) } });
          }
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
