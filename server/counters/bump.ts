import { sql, type SQL } from "drizzle-orm";
import type { Executor } from "../../db/client";

/** Counters that exist on campaign_daily_stats, campaign_runs and campaigns alike. */
export type Shared = "sent" | "failed" | "replied" | "unsubscribed" | "positive_replies"
  | "sms_sent" | "sms_delivered" | "sms_failed" | "sms_replied" | "sms_opted_out";

/**
 * Moves a run's counters, its campaign's lifetime counters and today's daily
 * stats together, in one statement of the caller's transaction (so the
 * counters always agree with the events recorded beside them).
 */
export async function bumpCounters(tx: Executor, campaignId: number, runId: number, deltas: Partial<Record<Shared, number>>) {
  const cols = (Object.keys(deltas) as Shared[]).filter((c) => deltas[c]);
  if (!cols.length) return;
  await tx.execute(sql`
    with d as (select ${sql.join(cols.map((c) => sql`${deltas[c]!}::int as ${sql.raw(c)}`), sql`, `)}),
    ${counterBumps(campaignId, runId, cols)}
    select 1`);
}

/**
 * The CTEs that add a one-row relation `d` (one integer column per counter in
 * `cols`, defined earlier in the caller's WITH) to today's daily stats, the
 * run and the campaign; nothing is written when every delta is 0. For a
 * statement that computes its deltas itself (recording a batch).
 */
export function counterBumps(campaignId: number, runId: number, cols: Shared[]): SQL {
  const list = sql.raw(cols.join(", "));
  const moved = sql.raw(cols.map((c) => `d.${c} <> 0`).join(" or "));
  const add = (table: string) => sql.raw(cols.map((c) => `${c} = ${table}.${c} + d.${c}`).join(", "));
  return sql`
    bump_stats as (
      insert into campaign_daily_stats (campaign_id, run_id, day, ${list})
      select ${campaignId}, ${runId}, (now() at time zone 'UTC')::date, ${list} from d where ${moved}
      on conflict (campaign_id, run_id, day) do update set
        ${sql.raw(cols.map((c) => `${c} = campaign_daily_stats.${c} + excluded.${c}`).join(", "))}, updated_at = now()
      returning 1
    ), bump_run as (
      update campaign_runs r set ${add("r")}, updated_at = now() from d where r.campaign_id = ${campaignId} and r.id = ${runId} and (${moved})
      returning 1
    ), bump_campaign as (
      update campaigns c set ${add("c")}, updated_at = now() from d where c.id = ${campaignId} and (${moved})
      returning 1
    )`;
}
