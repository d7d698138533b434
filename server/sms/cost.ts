import { sql } from "drizzle-orm";
import type { Executor } from "../../db/client";
import type { Cost } from "../../shared/money";

/**
 * What a campaign's texts cost (every run), or one run's: the sums the price
 * job keeps in sms_costs (decision 048), per currency, with how many texts
 * are priced so far. A campaign's rows are one per run, day and currency.
 */
export async function smsCost(db: Executor, q: { campaignId: number; runId?: number }): Promise<Cost> {
  const rows = await db.execute<{ currency: string; texts: number; cost: number }>(sql`
    select currency, sum(texts)::int as texts, sum(cost_micros)::float8 as cost from sms_costs
    where campaign_id = ${q.campaignId} ${q.runId ? sql`and run_id = ${q.runId}` : sql``}
    group by currency order by currency`);
  return rows.map((r) => ({ currency: r.currency, texts: Number(r.texts), costMicros: Number(r.cost) }));
}

/**
 * The cost to show: null when Herald has no way to know it (no Twilio
 * account configured and nothing priced before), so pages say nothing
 * rather than "no price yet".
 */
export async function smsCostShown(db: Executor, smsTransport: "twilio" | "outbox", q: { campaignId: number; runId?: number }): Promise<Cost | null> {
  const cost = await smsCost(db, q);
  return cost.length || smsTransport === "twilio" ? cost : null;
}
