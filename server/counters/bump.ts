import { sql } from "drizzle-orm";
import type { Executor } from "../../db/client";

/** Counters that exist on campaign_daily_stats, campaign_runs and campaigns alike. */
type Shared = "sent" | "failed" | "replied" | "unsubscribed" | "positive_replies";

/**
 * Moves a run's counters, its campaign's lifetime counters and today's daily
 * stats together, in one statement of the caller's transaction (so the
 * counters always agree with the events recorded beside them).
 */
export async function bumpCounters(tx: Executor, campaignId: number, runId: number, deltas: Partial<Record<Shared, number>>) {
  const cols = (Object.keys(deltas) as Shared[]).filter((c) => deltas[c]);
  if (!cols.length) return;
  const list = sql.raw(cols.join(", "));
  const values = sql.join(cols.map((c) => sql`${deltas[c]!}`), sql`, `);
  const add = (table: string) => sql.raw(cols.map((c) => `${c} = ${table}.${c} + d.${c}`).join(", "));
  await tx.execute(sql`
    with d as (select ${sql.join(cols.map((c) => sql`${deltas[c]!}::int as ${sql.raw(c)}`), sql`, `)}),
    stats as (
      insert into campaign_daily_stats (campaign_id, run_id, day, ${list})
      values (${campaignId}, ${runId}, (now() at time zone 'UTC')::date, ${values})
      on conflict (campaign_id, run_id, day) do update set
        ${sql.raw(cols.map((c) => `${c} = campaign_daily_stats.${c} + excluded.${c}`).join(", "))}, updated_at = now()
      returning 1
    ), run as (
      update campaign_runs r set ${add("r")}, updated_at = now() from d where r.campaign_id = ${campaignId} and r.id = ${runId}
      returning 1
    )
    update campaigns c set ${add("c")}, updated_at = now()
    from d where c.id = ${campaignId} and (select count(*) from stats) + (select count(*) from run) >= 0`);
}
