import { sql } from "drizzle-orm";
import { importLegacyDailyStats } from "../server/stats/legacy-import";
import { statsSeries } from "../server/stats/series";
import { benchDatabase, fmt, report, timed } from "./harness";

const CAMPAIGNS = 2600;
const DAYS = 1000;

/**
 * The legacy import at the redesign's scale: a dense table shaped like
 * campaign_daily_stat_entries (2.6 M rows, text ids, 93 % all-zero rows, nine
 * indexes), imported, reconciled by campaign name, measured in bytes against
 * everything Herald keeps for it, and queried both ways.
 */
export async function legacyBench() {
  const { services, close } = await benchDatabase("legacy");
  const db = services.db;
  const t0 = performance.now();
  await db.execute(sql`
    create table campaign_daily_stat_entries (
      id bigserial primary key, campaign_id text not null, stat_date date not null,
      sent int not null default 0, opened int not null default 0, replied int not null default 0, positive_replies int not null default 0,
      bounced int not null default 0, clicked int not null default 0, email_account_id bigint,
      created_at timestamptz not null default now(), updated_at timestamptz not null default now())`);
  await db.execute(sql`
    insert into campaign_daily_stat_entries (campaign_id, stat_date, sent, opened, replied, positive_replies, bounced, clicked, email_account_id)
    select 'legacy-' || c, current_date - ${DAYS}::int + d,
      case when active then 20 + (c * d) % 180 else 0 end,
      case when active and (c + d) % 2 = 0 then 5 + (c + d) % 40 else 0 end,
      case when active and (c + d) % 9 = 0 then 1 + d % 3 else 0 end,
      case when active and (c + d) % 27 = 0 then 1 else 0 end,
      case when active and (c + d) % 11 = 0 then 1 else 0 end,
      case when active and (c + d) % 5 = 0 then 1 + c % 4 else 0 end,
      1 + c % 40
    from generate_series(1, ${CAMPAIGNS}::int) c, generate_series(0, ${DAYS - 1}::int) d,
         lateral (select (hashint4(c * 7919 + d) & 1023) < 72 as active) a`);
  for (const index of [
    "create unique index on campaign_daily_stat_entries (campaign_id, stat_date)",
    "create index on campaign_daily_stat_entries (campaign_id)",
    "create index on campaign_daily_stat_entries (stat_date)",
    "create index on campaign_daily_stat_entries (email_account_id)",
    "create index on campaign_daily_stat_entries (campaign_id, email_account_id)",
    "create index on campaign_daily_stat_entries (stat_date, campaign_id)",
    "create index on campaign_daily_stat_entries (email_account_id, stat_date)",
    "create index on campaign_daily_stat_entries (created_at)",
  ]) await db.execute(sql.raw(index));
  await db.execute(sql`analyze campaign_daily_stat_entries`);
  const [shape] = await db.execute<{ rows: number; zero: number; indexes: number }>(sql`
    select count(*)::int as rows, count(*) filter (where sent + opened + replied + positive_replies + bounced + clicked = 0)::int as zero,
      (select count(*)::int from pg_index where indrelid = 'campaign_daily_stat_entries'::regclass) as indexes
    from campaign_daily_stat_entries`);
  console.log(`  built ${fmt.format(shape!.rows)} dense rows (${fmt.format((shape!.zero / shape!.rows) * 100)} % all-zero, ${shape!.indexes} indexes) in ${fmt.format((performance.now() - t0) / 1000)} s`);

  const t1 = performance.now();
  const r = await importLegacyDailyStats(db, "campaign_daily_stat_entries");
  const seconds = (performance.now() - t1) / 1000;
  await db.execute(sql`analyze`);

  // Independently of the importer's own reconciliation: each legacy id's totals against the campaign of its name.
  const [byName] = await db.execute<{ compared: number; differing: number }>(sql`
    with s as (select campaign_id, sum(sent) as sent, sum(opened) as opened, sum(replied) as replied, sum(positive_replies) as positive_replies, sum(bounced) as bounced, sum(clicked) as clicked
               from campaign_daily_stat_entries group by 1)
    select count(*)::int as compared, count(*) filter (where c.id is null or (c.sent, c.opened, c.replied, c.positive_replies, c.bounced, c.clicked) is distinct from (s.sent, s.opened, s.replied, s.positive_replies, s.bounced, s.clicked))::int as differing
    from s left join campaigns c on lower(c.name) = lower('Legacy ' || s.campaign_id)`);

  const day = (d: Date) => d.toISOString().slice(0, 10);
  const end = new Date();
  const from90 = day(new Date(end.getTime() - 90 * 86_400_000));
  const from365 = day(new Date(end.getTime() - 365 * 86_400_000));
  const ids = (await db.execute<{ id: number; legacy_id: string }>(sql`select campaign_id as id, legacy_id from legacy_campaign_map order by id`));
  const pick = (i: number) => ids[(i * 37) % ids.length]!;
  await statsSeries(db, { campaignId: pick(0).id, from: from90, to: day(end) });
  const h90 = await timed(100, (i) => statsSeries(db, { campaignId: pick(i).id, from: from90, to: day(end), granularity: "day" }));
  const d90 = await timed(100, (i) => db.execute(sql`
    select stat_date, sum(sent), sum(opened), sum(replied), sum(positive_replies), sum(bounced), sum(clicked)
    from campaign_daily_stat_entries where campaign_id = ${pick(i).legacy_id} and stat_date between ${from90}::date and ${day(end)}::date group by 1`));
  const s90 = await timed(100, (i) => db.execute(sql`
    select s.day, sum(s.sent), sum(s.opened), sum(s.replied), sum(s.positive_replies), sum(s.bounced), sum(s.clicked)
    from legacy_campaign_map m join legacy_daily_stats s on s.series_id = m.id
    where m.campaign_id = ${pick(i).id} and s.day between ${from90}::date and ${day(end)}::date group by 1`));
  const h52 = await timed(30, () => statsSeries(db, { from: from365, to: day(end), granularity: "week" }));
  const d52 = await timed(10, () => db.execute(sql`
    select date_trunc('week', stat_date), sum(sent), sum(opened), sum(replied), sum(positive_replies), sum(bounced), sum(clicked)
    from campaign_daily_stat_entries where stat_date between ${from365}::date and ${day(end)}::date group by 1`));
  const hLife = await timed(100, (i) => db.execute(sql`select sent, opened, replied, positive_replies, bounced, clicked from campaigns where id = ${pick(i).id}`));
  const dLife = await timed(100, (i) => db.execute(sql`
    select sum(sent), sum(opened), sum(replied), sum(positive_replies), sum(bounced), sum(clicked) from campaign_daily_stat_entries where campaign_id = ${pick(i).legacy_id}`));
  const hAll = await timed(30, () => db.execute(sql`
    select sum(sent), sum(opened), sum(replied), sum(positive_replies), sum(bounced), sum(clicked) from (
      select sent, opened, replied, positive_replies, bounced, unique_clicked as clicked from global_daily_stats
      union all select sent, opened, replied, positive_replies, bounced, clicked from legacy_global_daily) x`));
  const dAll = await timed(5, () => db.execute(sql`
    select sum(sent), sum(opened), sum(replied), sum(positive_replies), sum(bounced), sum(clicked) from campaign_daily_stat_entries`));

  const mb = (b: number) => `${fmt.format(b / 1024 / 1024)} MB`;
  const ratio = (h: { p95: number }, d: { p95: number }) => `${fmt.format(h.p95)} ms vs ${fmt.format(d.p95)} ms dense (${fmt.format(d.p95 / h.p95)}× faster)`;
  report("legacy (npm run bench -- legacy)", [
    ["dense table", `${fmt.format(r.sourceRows)} rows, ${fmt.format((shape!.zero / shape!.rows) * 100)} % all-zero, ${shape!.indexes} indexes, ${mb(r.bytesBefore)}`, "–"],
    ["import time", `${fmt.format(seconds)} s (validation, checksum, writes, reconciliation)`, "–"],
    ["rows Herald keeps", `${fmt.format(r.storedRows)} campaign-day rows (${fmt.format((1 - r.storedRows / r.sourceRows) * 100)} % fewer), ${fmt.format(r.reconciliation.campaigns.length)} campaigns and runs`, "–"],
    ["bytes: dense table with indexes → all of Herald's", `${mb(r.bytesBefore)} → ${mb(r.bytesAfter)} (${fmt.format((1 - r.bytesAfter / r.bytesBefore) * 100)} % saved)`, "≥ 95 % saved"],
    ["campaigns whose totals differ by name", `${byName!.differing} of ${fmt.format(byName!.compared)} (importer's own check: ${r.mismatches} differences over campaigns, ${fmt.format(r.reconciliation.campaignDays.compared)} campaign-days, ${r.reconciliation.day.compared} days, ${r.reconciliation.week.compared} weeks, ${r.reconciliation.month.compared} months)`, "0"],
    ["one campaign, 90 days by day (p95), the same query on each", ratio(s90, d90), "≤ dense"],
    ["one campaign, 90 days by day (p95), Herald's full statsSeries (both sources, every day filled, rates)", ratio(h90, d90), "–"],
    ["global, 12 months by week (p95), Herald's full statsSeries", ratio(h52, d52), "≤ dense"],
    ["one campaign's lifetime total (p95)", ratio(hLife, dLife), "≤ dense"],
    ["global lifetime total (p95)", ratio(hAll, dAll), "≤ dense"],
  ]);
  await close();
}
