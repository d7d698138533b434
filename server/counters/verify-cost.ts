import { sql } from "drizzle-orm";
import type { Executor } from "../../db/client";

/** A day of a run's SMS cost (sms_costs) that disagrees with the prices stored on its texts. */
export interface CostDrift {
  campaignId: number;
  campaignName: string;
  runNumber: number;
  day: string;
  currency: string;
  stored: { texts: number; costMicros: number };
  actual: { texts: number; costMicros: number };
}

type Row = { campaign_id: number; name: string; run_number: number; day: string; currency: string; stored_texts: number; stored_cost: number; texts: number; cost: number };

/**
 * The texts' prices summed again, per run, day (the day each text was
 * handed over, UTC) and currency: the truth behind sms_costs (decision 048).
 */
const ACTUAL = sql`
  select campaign_id, run_id, (handed_at at time zone 'UTC')::date as day, price_unit as currency, count(*)::int as texts, sum(price_micros)::bigint as cost
  from sms_messages where price_micros is not null group by 1, 2, 3, 4`;

/**
 * Every day of a run's SMS cost against the prices of its texts; with `fix`,
 * sms_costs is set to the recount (in the caller's transaction). Returns the
 * differences and how many priced texts were compared.
 */
export async function verifySmsCosts(tx: Executor, fix: boolean): Promise<{ drift: CostDrift[]; pricedTexts: number }> {
  const rows = await tx.execute<Row>(sql`
    with t as (${ACTUAL})
    select coalesce(t.campaign_id, s.campaign_id) as campaign_id, c.name, r.run_number, coalesce(t.day, s.day)::text as day, coalesce(t.currency, s.currency) as currency,
           coalesce(s.texts, 0)::int as stored_texts, coalesce(s.cost_micros, 0)::float8 as stored_cost, coalesce(t.texts, 0)::int as texts, coalesce(t.cost, 0)::float8 as cost
    from t full join sms_costs s on s.campaign_id = t.campaign_id and s.run_id = t.run_id and s.day = t.day and s.currency = t.currency
    join campaigns c on c.id = coalesce(t.campaign_id, s.campaign_id)
    left join campaign_runs r on r.campaign_id = c.id and r.id = coalesce(t.run_id, s.run_id)
    where coalesce(s.texts, 0) <> coalesce(t.texts, 0) or coalesce(s.cost_micros, 0) <> coalesce(t.cost, 0)
    order by 1, 3, 4, 5`);
  const [priced] = await tx.execute<{ n: number }>(sql`select count(*)::int as n from sms_messages where price_micros is not null`);
  if (fix && rows.length) {
    await tx.execute(sql`
      with t as (${ACTUAL})
      delete from sms_costs s where not exists (select 1 from t where t.campaign_id = s.campaign_id and t.run_id = s.run_id and t.day = s.day and t.currency = s.currency)`);
    await tx.execute(sql`
      with t as (${ACTUAL})
      insert into sms_costs (campaign_id, run_id, day, currency, texts, cost_micros) select campaign_id, run_id, day, currency, texts, cost from t
      on conflict (campaign_id, run_id, day, currency) do update set texts = excluded.texts, cost_micros = excluded.cost_micros, updated_at = now()
      where sms_costs.texts <> excluded.texts or sms_costs.cost_micros <> excluded.cost_micros`);
  }
  return {
    pricedTexts: priced!.n,
    drift: rows.map((r) => ({
      campaignId: Number(r.campaign_id), campaignName: r.name, runNumber: Number(r.run_number ?? 0), day: r.day, currency: r.currency,
      stored: { texts: Number(r.stored_texts), costMicros: Number(r.stored_cost) }, actual: { texts: Number(r.texts), costMicros: Number(r.cost) },
    })),
  };
}
