import { sql, type SQL } from "drizzle-orm";
import { z } from "zod";
import type { Executor } from "../../db/client";
import type { Cost } from "../../shared/money";
import { smsCountsOf, smsRatesOf } from "../../shared/sms-rates";
import { ValidationFailed } from "../errors";
import { ratesOf } from "./rates";

export const statsInput = z.object({
  campaignId: z.number().int().positive().optional(),
  runId: z.number().int().positive().optional(),
  from: z.iso.date(),
  to: z.iso.date(),
  granularity: z.enum(["day", "week", "month"]).default("day"),
});
export type StatsInput = z.input<typeof statsInput>;

const COLUMNS = ["sent", "delivered", "delivery_delayed", "failed", "bounced", "complained", "opened", "unique_opened", "machine_opened", "clicked", "unique_clicked", "replied", "unsubscribed", "positive_replies", "machine_clicked", "human_opened", "human_clicked",
  // Text messages (decision 040) and the people behind their rates (decision 047): people first texted / first delivered to in the period.
  "sms_sent", "sms_delivered", "sms_failed", "sms_replied", "sms_opted_out", "people_texted", "people_text_delivered"] as const;
type Column = (typeof COLUMNS)[number];
export type Totals = Record<Column, number> & { people_sent?: number };

/**
 * Rates over a period, by the one definition in rates.ts: people who first
 * opened (clicked) in the period over people first mailed in it; human rates
 * count people whose first open (click) as a person fell in the period.
 * Machine opens and clicks are reported apart, as shares of all opens and clicks. Daily figures do not keep which people bounced,
 * so a period's bounce rate is per email (and labelled so).
 */
export function periodRates(t: Totals) {
  const r = ratesOf({ ...t, opened: t.unique_opened, clicked: t.unique_clicked, peopleBounced: 0 });
  return {
    ...r,
    bounce: t.sent > 0 ? t.bounced / t.sent : null,
    machineOpenShare: t.opened > 0 ? t.machine_opened / t.opened : null,
    machineClickShare: t.clicked > 0 ? t.machine_clicked / t.clicked : null,
  };
}

/** Legacy opens and clicks are what the legacy system counted; they stand for people, as Herald's unique counts do. */
const LEGACY = sql.raw(COLUMNS.map((c) => {
  const from = { unique_opened: "opened", unique_clicked: "clicked" }[c as string] ?? c;
  return ["sent", "opened", "replied", "positive_replies", "bounced", "clicked"].includes(from) ? `s.${from}::bigint as ${c}` : `0::bigint as ${c}`;
}).join(", "));

/**
 * Imported legacy history (decision 016), the same shape as the daily stats:
 * for one campaign or run through its legacy series, for everything from the
 * legacy per-day rollup.
 */
function legacyDays(q: { campaignId?: number; runId?: number }, range: SQL) {
  if (!q.campaignId && !q.runId) return sql`select s.day, ${LEGACY} from legacy_global_daily s where ${range}`;
  const which: SQL[] = [];
  if (q.campaignId) which.push(sql`m.campaign_id = ${q.campaignId}`);
  if (q.runId) which.push(sql`m.run_id = ${q.runId}`);
  return sql`select s.day, ${LEGACY} from legacy_campaign_map m join legacy_daily_stats s on s.series_id = m.id where ${sql.join(which, sql` and `)} and ${range}`;
}

/** At most about a thousand periods per answer, whichever the granularity: a year-9999 range is a sentence, not a 38 s query. */
export const RANGE_CAP = {
  day: { days: 3 * 366, sentence: "Daily figures cover at most three years: choose week or month for longer ranges." },
  week: { days: 10 * 366, sentence: "Weekly figures cover at most ten years: choose month for longer ranges." },
  month: { days: 100 * 366, sentence: "Monthly figures cover at most a hundred years: choose a shorter range." },
} as const;

/**
 * Any date range at day, week (ISO, from Monday) or month granularity, per
 * campaign, per run or for everything, from campaign_daily_stats (never the raw
 * log) and the legacy store. Every period in the range is present, zeros included.
 */
export async function statsSeries(db: Executor, raw: StatsInput) {
  const q = statsInput.parse(raw);
  if (q.from > q.to) throw new ValidationFailed("The range ends before it starts: swap from and to.");
  const days = (Date.parse(q.to) - Date.parse(q.from)) / 86_400_000;
  const cap = RANGE_CAP[q.granularity];
  if (days > cap.days) throw new ValidationFailed(cap.sentence);
  const range = sql`s.day between ${q.from}::date and ${q.to}::date`;
  const filters: SQL[] = [range];
  if (q.campaignId) filters.push(sql`s.campaign_id = ${q.campaignId}`);
  if (q.runId) filters.push(sql`s.run_id = ${q.runId}`);
  // Everything at once reads the global rollup: 16 rows a day instead of one per campaign and run.
  const source = q.campaignId || q.runId ? sql`campaign_daily_stats` : sql`global_daily_stats`;
  const unit = sql.raw(`'${q.granularity}'`);
  const rows = await db.execute<Record<string, number | string>>(sql`
    with periods as (
      select generate_series(date_trunc(${unit}, ${q.from}::date), date_trunc(${unit}, ${q.to}::date), ${sql.raw(`'1 ${q.granularity}'`)}::interval)::date as period
    ), days as (
      select s.day, ${sql.raw(COLUMNS.map((c) => `s.${c}::bigint as ${c}`).join(", "))} from ${source} s where ${sql.join(filters, sql` and `)}
      union all
      ${legacyDays(q, range)}
    ), agg as (
      select date_trunc(${unit}, s.day)::date as period, ${sql.raw(COLUMNS.map((c) => `sum(s.${c}) as ${c}`).join(", "))}
      from days s group by 1
    ), people as (
      -- People first mailed per period: the base of the period's rates (kept per campaign and run only).
      select date_trunc(${unit}, s.day)::date as period, sum(s.people_sent)::int as people_sent
      from campaign_daily_stats s
      where ${sql.join(filters, sql` and `)}
      group by 1
    )
    select to_char(p.period, 'YYYY-MM-DD') as period, ${sql.raw(COLUMNS.map((c) => `coalesce(a.${c}, 0)::float8 as ${c}`).join(", "))},
           coalesce(pp.people_sent, 0)::int as people_sent
    from periods p left join agg a on a.period = p.period left join people pp on pp.period = p.period
    order by p.period`);
  const costs = await periodCosts(db, unit, filters);
  const series = rows.map((r) => {
    const totals = { ...Object.fromEntries(COLUMNS.map((c) => [c, Number(r[c])])), people_sent: Number(r.people_sent) } as Totals;
    const period = String(r.period);
    return { period, ...totals, rates: periodRates(totals), smsRates: smsRatesOf(smsCountsOf(totals)), smsCost: costs.get(period) ?? [] };
  });
  const totals = Object.fromEntries([...COLUMNS, "people_sent" as const].map((c) => [c, series.reduce((n, s) => n + (s[c] ?? 0), 0)])) as Totals;
  return { ...q, series, totals, rates: periodRates(totals), smsRates: smsRatesOf(smsCountsOf(totals)), smsCost: sumCosts(series.map((s) => s.smsCost)) };
}

/** What Twilio charged per period and currency (sms_costs, by the day each text was handed over). */
async function periodCosts(db: Executor, unit: SQL, filters: SQL[]): Promise<Map<string, Cost>> {
  const rows = await db.execute<{ period: string; currency: string; texts: number; cost: number }>(sql`
    select to_char(date_trunc(${unit}, s.day)::date, 'YYYY-MM-DD') as period, s.currency, sum(s.texts)::int as texts, sum(s.cost_micros)::float8 as cost
    from sms_costs s where ${sql.join(filters, sql` and `)} group by 1, 2 order by 1, 2`);
  const byPeriod = new Map<string, Cost>();
  for (const r of rows) byPeriod.set(r.period, [...(byPeriod.get(r.period) ?? []), { currency: r.currency, texts: Number(r.texts), costMicros: Number(r.cost) }]);
  return byPeriod;
}

function sumCosts(costs: Cost[]): Cost {
  const total = new Map<string, { texts: number; costMicros: number }>();
  for (const c of costs.flat()) {
    const t = total.get(c.currency) ?? { texts: 0, costMicros: 0 };
    total.set(c.currency, { texts: t.texts + c.texts, costMicros: t.costMicros + c.costMicros });
  }
  return [...total].sort(([a], [b]) => a.localeCompare(b)).map(([currency, t]) => ({ currency, ...t }));
}
