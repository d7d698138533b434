import { sql } from "drizzle-orm";
import type { Database } from "../../db/client";
import { ValidationFailed } from "../errors";

const METRICS = ["sent", "opened", "replied", "bounced", "clicked"] as const;
const REQUIRED = ["campaign_id", "stat_date", ...METRICS, "positive_replies"];

export interface LegacyReport {
  source: string;
  sourceRows: number;
  nonZeroRows: number;
  events: number;
  dailyStatsRows: number;
  campaignsCreated: number;
  reconciliation: Array<{ campaignId: number; metric: string; before: number; after: number }>;
  mismatches: number;
  bytesBefore: number;
  /** What the imported events take, indexes included. */
  eventBytes: number;
  /** Events plus what the rollups grew by. */
  bytesAfter: number;
}

/**
 * Turns a dense legacy daily-stats table (one row per campaign per day, mostly
 * zeros) into events: one aggregate event per non-zero cell (type = the
 * metric, occurred_at = the day, data.n = the count, data.positive for positive
 * replies), in a "Legacy history" run per campaign, with daily stats and
 * counters fed in the same transaction. Then it reconciles per-campaign totals
 * before and after, which must match exactly, or it rolls everything back.
 */
export async function importLegacyDailyStats(db: Database, table: string): Promise<LegacyReport> {
  if (!/^[A-Za-z_][A-Za-z0-9_]*(\.[A-Za-z_][A-Za-z0-9_]*)?$/.test(table)) throw new ValidationFailed(`"${table}" is not a table name.`);
  const [exists] = await db.execute<{ oid: string | null }>(sql`select to_regclass(${table})::text as oid`);
  if (!exists?.oid) throw new ValidationFailed(`There is no table "${table}" in this database.`);
  const columns = (await db.execute<{ name: string }>(sql`select attname as name from pg_attribute where attrelid = to_regclass(${table}) and attnum > 0 and not attisdropped`)).map((c) => c.name);
  const missing = REQUIRED.filter((c) => !columns.includes(c));
  if (missing.length) throw new ValidationFailed(`"${table}" lacks the columns ${missing.join(", ")}.`);
  const [done] = await db.execute<{ at: string }>(sql`select value as at from settings where key = ${`legacy-import:${table}`}`);
  if (done) throw new ValidationFailed(`"${table}" was already imported (${done.at}); importing it again would count everything twice.`);
  const src = sql.raw(table);

  return db.transaction(async (tx) => {
    const [size] = await tx.execute<{ rows: number; non_zero: number; bytes: number; first: string; last: string }>(sql`
      select count(*)::int as rows, count(*) filter (where sent + opened + replied + positive_replies + bounced + clicked > 0)::int as non_zero,
             pg_total_relation_size(to_regclass(${table}))::float8 as bytes, min(stat_date)::text as first, max(stat_date)::text as last
      from ${src}`);
    if (!size?.rows) throw new ValidationFailed(`"${table}" is empty.`);
    await tx.execute(sql`select herald_ensure_event_partitions(${size.first}::date, ${size.last}::date)`);
    const eventBytes = async () => (await tx.execute<{ b: number }>(sql`
      select coalesce((select sum(pg_total_relation_size(inhrelid)) from pg_inherits where inhparent = 'email_events'::regclass), 0)::float8 as b`))[0]!.b;
    const rollupBytes = async () => (await tx.execute<{ b: number }>(sql`
      select (pg_total_relation_size('campaign_daily_stats') + pg_total_relation_size('global_daily_stats'))::float8 as b`))[0]!.b;
    const [eventsStart, rollupStart] = [await eventBytes(), await rollupBytes()];

    // Campaigns the legacy ids name, created when Herald does not have them.
    const created = await tx.execute(sql`
      insert into campaigns (name, kind, status, from_email, status_source, last_run_result)
      select 'Legacy campaign ' || l.campaign_id, 'broadcast', 'completed', 'legacy@herald.invalid', 'job', 'Imported from ' || ${table}
      from (select distinct campaign_id from ${src}) l
      where not exists (select 1 from campaigns c where c.id = l.campaign_id)
        and not exists (select 1 from campaigns c where c.name = 'Legacy campaign ' || l.campaign_id)
      returning 1`);
    await tx.execute(sql`
      create temporary table legacy_map on commit drop as
      select l.campaign_id as legacy_id, coalesce(c.id, n.id) as campaign_id
      from (select distinct campaign_id from ${src}) l
      left join campaigns c on c.id = l.campaign_id
      left join campaigns n on c.id is null and n.name = 'Legacy campaign ' || l.campaign_id`);
    await tx.execute(sql`
      create temporary table legacy_runs on commit drop as
      with runs as (
        insert into campaign_runs (campaign_id, run_number, status, audience, started_at, completed_at)
        select m.campaign_id, c.lifetime_runs + 1, 'COMPLETED', 'everyone', s.first::timestamptz, s.last::timestamptz
        from legacy_map m join campaigns c on c.id = m.campaign_id
        join (select campaign_id, min(stat_date) as first, max(stat_date) as last from ${src} group by campaign_id) s on s.campaign_id = m.legacy_id
        returning campaign_id, id
      ) select m.legacy_id, r.campaign_id, r.id as run_id from runs r join legacy_map m on m.campaign_id = r.campaign_id`);

    // One event per non-zero row, holding only its non-zero cells.
    const [events] = await tx.execute<{ n: number }>(sql`
      with ins as (
        insert into email_events (campaign_id, run_id, type, occurred_at, data)
        select r.campaign_id, r.run_id, 'daily_totals', (l.stat_date::timestamp at time zone 'UTC'),
               jsonb_strip_nulls(jsonb_build_object('sent', nullif(l.sent, 0), 'opened', nullif(l.opened, 0), 'replied', nullif(l.replied, 0),
                 'positive_replies', nullif(l.positive_replies, 0), 'bounced', nullif(l.bounced, 0), 'clicked', nullif(l.clicked, 0)))
        from ${src} l
        join legacy_runs r on r.legacy_id = l.campaign_id
        where l.sent + l.opened + l.replied + l.positive_replies + l.bounced + l.clicked > 0
        returning 1
      ) select count(*)::int as n from ins`);

    const [stats] = await tx.execute<{ n: number }>(sql`
      with ins as (
        insert into campaign_daily_stats (campaign_id, run_id, day, sent, opened, unique_opened, replied, bounced, clicked, unique_clicked)
        select r.campaign_id, r.run_id, l.stat_date, sum(l.sent), sum(l.opened), sum(l.opened), sum(l.replied), sum(l.bounced), sum(l.clicked), sum(l.clicked)
        from ${src} l join legacy_runs r on r.legacy_id = l.campaign_id
        where l.sent + l.opened + l.replied + l.positive_replies + l.bounced + l.clicked > 0
        group by 1, 2, 3
        returning 1
      ) select count(*)::int as n from ins`);

    await tx.execute(sql`
      with t as (select r.campaign_id, r.run_id, sum(l.sent)::int as sent, sum(l.opened)::int as opened, sum(l.replied)::int as replied, sum(l.bounced)::int as bounced, sum(l.clicked)::int as clicked
                 from ${src} l join legacy_runs r on r.legacy_id = l.campaign_id group by 1, 2),
      runs as (update campaign_runs cr set sent = t.sent, opened = t.opened, replied = t.replied, bounced = t.bounced, clicked = t.clicked
               from t where cr.campaign_id = t.campaign_id and cr.id = t.run_id returning 1)
      update campaigns c set sent = c.sent + t.sent, opened = c.opened + t.opened, replied = c.replied + t.replied, bounced = c.bounced + t.bounced,
             clicked = c.clicked + t.clicked, lifetime_runs = c.lifetime_runs + 1, current_run_id = coalesce(c.current_run_id, t.run_id),
             last_run_at = coalesce(c.last_run_at, now()), updated_at = now()
      from t where c.id = t.campaign_id and (select count(*) from runs) >= 0`);

    // Reconciliation: per campaign and metric, the dense table against the imported events.
    const reconciliation = await tx.execute<{ campaign_id: number; metric: string; before: number; after: number }>(sql`
      with before as (
        select l.campaign_id, m.metric, sum(m.n)::bigint as total
        from ${src} l cross join lateral (values ('sent', l.sent), ('opened', l.opened), ('replied', l.replied), ('positive_replies', l.positive_replies), ('bounced', l.bounced), ('clicked', l.clicked)) m(metric, n)
        group by 1, 2
      ), after as (
        select r.legacy_id as campaign_id, d.key as metric, sum(d.value::bigint)::bigint as total
        from email_events e join legacy_runs r on r.campaign_id = e.campaign_id and r.run_id = e.run_id
        cross join lateral jsonb_each_text(e.data) d
        where e.type = 'daily_totals'
        group by 1, 2
      )
      select b.campaign_id, b.metric, b.total::float8 as before, coalesce(a.total, 0)::float8 as after
      from before b left join after a on a.campaign_id = b.campaign_id and a.metric = b.metric
      order by 1, 2`);
    const mismatches = reconciliation.filter((r) => r.before !== r.after).length;
    if (mismatches) throw new ValidationFailed(`The import did not reconcile: ${mismatches} campaign totals differ. Nothing was imported.`);

    await tx.execute(sql`insert into settings (key, value) values (${`legacy-import:${table}`}, ${new Date().toISOString()})`);
    return {
      source: table, sourceRows: size.rows, nonZeroRows: size.non_zero, events: events!.n, dailyStatsRows: stats!.n, campaignsCreated: created.length,
      reconciliation: reconciliation.map((r) => ({ campaignId: r.campaign_id, metric: r.metric, before: r.before, after: r.after })),
      mismatches, bytesBefore: size.bytes, eventBytes: (await eventBytes()) - eventsStart,
      bytesAfter: (await eventBytes()) - eventsStart + (await rollupBytes()) - rollupStart,
    };
  });
}
