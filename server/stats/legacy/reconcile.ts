import { sql } from "drizzle-orm";
import type { Executor } from "../../../db/client";
import { METRICS, type Source } from "./source";

export type Totals = Record<(typeof METRICS)[number], number>;
export interface CampaignCheck { legacyId: string; name: string; campaignId: number | null; source: Totals; herald: Totals; run: Totals; differs: boolean }
export interface PeriodCheck { compared: number; differing: number; examples: string[] }
export interface Reconciliation {
  campaigns: CampaignCheck[];
  campaignDays: PeriodCheck;
  day: PeriodCheck;
  week: PeriodCheck;
  month: PeriodCheck;
  totals: { source: Totals; herald: Totals };
  mismatches: number;
}

const cols = (prefix: string) => sql.raw(METRICS.map((m) => `${prefix}.${m}`).join(", "));
const sums = (prefix: string) => sql.raw(METRICS.map((m) => `coalesce(sum(${prefix}.${m}), 0)::bigint as ${m}`).join(", "));
const differs = (a: string, b: string) => sql.raw(METRICS.map((m) => `coalesce(${a}.${m}, 0) <> coalesce(${b}.${m}, 0)`).join(" or "));
const totals = (row: Record<string, unknown>, prefix = ""): Totals => Object.fromEntries(METRICS.map((m) => [m, Number(row[`${prefix}${m}`] ?? 0)])) as Totals;

/**
 * Compares the source table with what users will see, by the keys they use:
 * each campaign found by its name (and its legacy id), each campaign-day, and
 * every day, ISO week and month of the global series (the growth of the
 * legacy rollup). Runs inside the import's transaction, after the writes.
 */
export async function reconcile(tx: Executor, src: Source): Promise<Reconciliation> {
  const rows = await tx.execute<Record<string, string | number | null>>(sql`
    with stored as (select d.series_id, ${sums("d")} from legacy_daily_stats d where d.series_id in (select series_id from legacy_ids) group by 1)
    select l.legacy_id, l.name, c.id as campaign_id, ${cols("l")},
      ${sql.raw(METRICS.map((m) => `coalesce(st.${m}, 0)::bigint as h_${m}, coalesce(r.${m}, 0)::bigint as r_${m}`).join(", "))},
      (c.id is null or mp.id is null or ${differs("l", "st")} or ${differs("l", "r")}) as differs
    from legacy_ids l
    left join campaigns c on lower(c.name) = lower(l.name)
    left join legacy_campaign_map mp on mp.campaign_id = c.id and mp.source_table = ${src.qualified} and mp.legacy_id = l.legacy_id
    left join campaign_runs r on r.campaign_id = mp.campaign_id and r.id = mp.run_id
    left join stored st on st.series_id = mp.id
    order by differs desc, l.name`);
  const campaigns = rows.map((r) => ({ legacyId: String(r.legacy_id), name: String(r.name), campaignId: r.campaign_id == null ? null : Number(r.campaign_id), source: totals(r), herald: totals(r, "h_"), run: totals(r, "r_"), differs: Boolean(r.differs) }));

  const nonZero = sql.raw(METRICS.map((m) => `coalesce(${m}, 0) <> 0`).join(" or "));
  const [cd] = await tx.execute<{ compared: number; differing: number; examples: string[] | null }>(sql`
    with a as (select ${src.legacyId} as legacy_id, ${src.day} as day, ${sql.join(METRICS.map((m) => sql`${src.metric(m)}::bigint as ${sql.raw(m)}`), sql`, `)} from ${src.ref} s),
    b as (select l.legacy_id, d.day, ${cols("d")} from legacy_daily_stats d join legacy_ids l on l.series_id = d.series_id),
    j as (select coalesce(a.legacy_id, b.legacy_id) as legacy_id, coalesce(a.day, b.day) as day, (${differs("a", "b")}) as differs
          from (select * from a where ${nonZero}) a full join b on b.legacy_id = a.legacy_id and b.day = a.day)
    select count(*)::int as compared, count(*) filter (where differs)::int as differing,
      (array_agg(legacy_id || ' on ' || day order by legacy_id, day) filter (where differs))[1:5] as examples from j`);

  // The source per day, once; weeks and months are sums of days.
  await tx.execute(sql`
    create temporary table legacy_src_days on commit drop as
    select ${src.day} as day, ${sql.join(METRICS.map((m) => sql`coalesce(sum(${src.metric(m)}), 0)::bigint as ${sql.raw(m)}`), sql`, `)}
    from ${src.ref} s group by 1`);
  const period = async (unit: "day" | "week" | "month"): Promise<PeriodCheck> => {
    const u = sql.raw(`'${unit}'`);
    const [r] = await tx.execute<{ compared: number; differing: number; examples: string[] | null }>(sql`
      with a as (select date_trunc(${u}, day)::date as p, ${sums("s")} from legacy_src_days s group by 1),
      g as (select date_trunc(${u}, g.day)::date as p, ${sql.raw(METRICS.map((m) => `sum(g.${m} - coalesce(b.${m}, 0))::bigint as ${m}`).join(", "))}
            from legacy_global_daily g left join legacy_global_before b on b.day = g.day group by 1),
      j as (select coalesce(a.p, g.p) as p, (${differs("a", "g")}) as differs from a full join g on g.p = a.p)
      select count(*)::int as compared, count(*) filter (where differs)::int as differing,
        (array_agg(p::text order by p) filter (where differs))[1:5] as examples from j`);
    return { compared: r!.compared, differing: r!.differing, examples: r!.examples ?? [] };
  };
  const [day, week, month] = [await period("day"), await period("week"), await period("month")];
  const [t] = await tx.execute<Record<string, string>>(sql`
    select ${sql.raw(METRICS.map((m) => `(select coalesce(sum(${m}), 0) from legacy_src_days)::bigint as ${m}, (select coalesce(sum(${m}), 0) from legacy_daily_stats d where d.series_id in (select series_id from legacy_ids))::bigint as h_${m}`).join(", "))}`);
  const campaignDays = { compared: cd!.compared, differing: cd!.differing, examples: cd!.examples ?? [] };
  const mismatches = campaigns.filter((c) => c.differs).length + campaignDays.differing + day.differing + week.differing + month.differing;
  return { campaigns, campaignDays, day, week, month, totals: { source: totals(t!), herald: totals(t!, "h_") }, mismatches };
}
