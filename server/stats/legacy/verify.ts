import { sql } from "drizzle-orm";
import type { Executor } from "../../../db/client";
import { METRICS } from "./source";

type Row = Record<string, number | string | null>;

/** A legacy run's counters, recomputed from its rows in the legacy store (never from the event log: it has none there). */
export const LEGACY_RUNS = sql`
  select m.campaign_id, m.run_id, r.run_number, 0 as recipients, coalesce(sum(d.sent), 0)::int as sent, 0 as delivered, 0 as failed,
    coalesce(sum(d.opened), 0)::int as opened, coalesce(sum(d.clicked), 0)::int as clicked, coalesce(sum(d.replied), 0)::int as replied,
    coalesce(sum(d.bounced), 0)::int as bounced, 0 as complained, 0 as unsubscribed, coalesce(sum(d.positive_replies), 0)::int as positive_replies,
    0 as people_sent, 0 as people_bounced, 0 as human_opened, 0 as human_clicked, -- the legacy system could not tell people from machines
    0 as sms_sent, 0 as sms_delivered, 0 as sms_failed, 0 as sms_replied, 0 as sms_opted_out, 0 as people_texted, 0 as people_text_delivered -- nor send text messages
  from legacy_campaign_map m join campaign_runs r on r.campaign_id = m.campaign_id and r.id = m.run_id
  left join legacy_daily_stats d on d.series_id = m.id
  group by m.campaign_id, m.run_id, r.run_number`;

export interface LegacyStoreCheck {
  campaigns: number;
  campaignDays: number;
  days: number;
  /** A legacy campaign whose stored days no longer add up to what its source had. */
  storeDrift: Array<{ campaignId: number; campaignName: string; legacyId: string; metric: string; stored: number; source: number }>;
  /** Days where the per-day rollup (global series) disagrees with the stored campaign-days. */
  dayDrift: Array<{ day: string; metric: string; stored: number; actual: number }>;
}

/**
 * The legacy store against its own truth: each imported campaign's stored
 * days against the source totals the import recorded (its receipt), and the
 * per-day rollup against the stored days. With `fix`, rebuilds the rollup;
 * the store itself can only be restored from its source.
 */
export async function checkLegacyStore(tx: Executor, fix: boolean): Promise<LegacyStoreCheck> {
  const stored = await tx.execute<Row>(sql`
    select m.campaign_id, c.name, m.legacy_id, m.source_totals::text[] as source, ${sql.raw(METRICS.map((x) => `coalesce(sum(d.${x}), 0)::bigint as ${x}`).join(", "))}, count(d.day)::int as days
    from legacy_campaign_map m join campaigns c on c.id = m.campaign_id left join legacy_daily_stats d on d.series_id = m.id
    group by m.id, c.name`);
  const storeDrift: LegacyStoreCheck["storeDrift"] = [];
  for (const r of stored) {
    const source = r.source as unknown as string[];
    METRICS.forEach((metric, i) => {
      if (Number(r[metric]) !== Number(source[i])) storeDrift.push({ campaignId: Number(r.campaign_id), campaignName: String(r.name), legacyId: String(r.legacy_id), metric, stored: Number(r[metric]), source: Number(source[i]) });
    });
  }
  const daySql = sql`
    with s as (select day, ${sql.raw(METRICS.map((x) => `sum(${x})::bigint as ${x}`).join(", "))} from legacy_daily_stats group by day)
    select coalesce(s.day, g.day)::text as day, ${sql.raw(METRICS.map((x) => `coalesce(s.${x}, 0)::bigint as ${x}, coalesce(g.${x}, 0)::bigint as g_${x}`).join(", "))}
    from s full join legacy_global_daily g on g.day = s.day`;
  const days = await tx.execute<Row>(daySql);
  const dayDrift = days.flatMap((d) => METRICS.filter((m) => Number(d[m]) !== Number(d[`g_${m}`])).map((metric) => ({ day: String(d.day), metric, stored: Number(d[`g_${metric}`]), actual: Number(d[metric]) })));
  if (fix && dayDrift.length) {
    await tx.execute(sql`delete from legacy_global_daily`);
    await tx.execute(sql`insert into legacy_global_daily (day, ${sql.raw(METRICS.join(", "))}) select day, ${sql.raw(METRICS.map((x) => `sum(${x})`).join(", "))} from legacy_daily_stats group by day`);
  }
  return { campaigns: stored.length, campaignDays: stored.reduce((n, r) => n + Number(r.days), 0), days: days.length, storeDrift, dayDrift };
}
