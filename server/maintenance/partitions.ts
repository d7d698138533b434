import { sql } from "drizzle-orm";
import type { Executor } from "../../db/client";

/**
 * Keeps monthly partitions of email_events ready three months ahead and drops
 * those older than the retention period. Daily stats are kept: they live in
 * campaign_daily_stats, not in the partitions.
 */
export async function maintainEventPartitions(db: Executor, retentionMonths: number, now = new Date()) {
  const [created] = await db.execute<{ n: number }>(
    sql`select herald_ensure_event_partitions(date_trunc('month', ${now.toISOString()}::timestamptz)::date, (${now.toISOString()}::timestamptz + interval '3 months')::date) as n`,
  );
  const [dropped] = await db.execute<{ n: number }>(
    sql`select herald_drop_event_partitions((date_trunc('month', ${now.toISOString()}::timestamptz) - make_interval(months => ${retentionMonths}))::date) as n`,
  );
  return { created: Number(created?.n ?? 0), dropped: Number(dropped?.n ?? 0) };
}

export async function deleteExpiredSessions(db: Executor) {
  const rows = await db.execute(sql`delete from sessions where expires_at < now() returning 1`);
  return rows.length;
}
