import { sql } from "drizzle-orm";
import { statsSeries } from "../server/stats/series";
import { benchDatabase, fmt, report, timed } from "./harness";

const EVENTS = 5_000_000;
const CAMPAIGNS = 1000;
const DAYS = 365;

export async function statsBench() {
  const rows: Array<[string, string, string]> = [];
  {
    const { services, close } = await benchDatabase("stats");
    const db = services.db;
    const end = new Date();
    const start = new Date(end.getTime() - DAYS * 86_400_000);
    const t0 = performance.now();
    await db.execute(sql`insert into campaigns (name, from_email, status) select 'bench ' || g, 'b@herald.test', 'completed' from generate_series(1, ${CAMPAIGNS}::int) g`);
    await db.execute(sql`insert into campaign_runs (campaign_id, run_number, status) select id, 1, 'COMPLETED' from campaigns`);
    await db.execute(sql`select herald_ensure_event_partitions(${start.toISOString()}::date, ${end.toISOString()}::date)`);
    // 5,000,000 events over 365 days across 1,000 campaigns, in 10 chunks.
    for (let chunk = 0; chunk < 10; chunk++) {
      await db.execute(sql`
        insert into email_events (campaign_id, run_id, recipient_id, type, occurred_at, machine)
        select r.campaign_id, r.id, g, (array['sent','delivered','opened','clicked','opened','delivered','sent','replied','bounced','opened'])[1 + g % 10]::email_event_type,
               ${start.toISOString()}::timestamptz + ((g::bigint * 7919) % (${DAYS}::int * 86400)) * interval '1 second', g % 13 = 0
        from generate_series(${chunk * (EVENTS / 10) + 1}::int, ${(chunk + 1) * (EVENTS / 10)}::int) g
        join campaign_runs r on r.campaign_id = 1 + g % ${CAMPAIGNS}::int`);
    }
    // The rollup the product keeps incrementally, built here in one pass for the benchmark.
    await db.execute(sql`
      insert into campaign_daily_stats (campaign_id, run_id, day, sent, delivered, opened, unique_opened, machine_opened, clicked, unique_clicked, replied, bounced)
      select campaign_id, run_id, (occurred_at at time zone 'UTC')::date,
        count(*) filter (where type = 'sent'), count(*) filter (where type = 'delivered'), count(*) filter (where type = 'opened'),
        count(*) filter (where type = 'opened' and not machine), count(*) filter (where type = 'opened' and machine),
        count(*) filter (where type = 'clicked'), count(*) filter (where type = 'clicked'), count(*) filter (where type = 'replied'), count(*) filter (where type = 'bounced')
      from email_events group by 1, 2, 3`);
    await db.execute(sql`analyze`);
    const [counts] = await db.execute<{ events: number; daily: number }>(sql`select (select count(*) from email_events)::int as events, (select count(*) from campaign_daily_stats)::int as daily`);
    console.log(`  generated ${fmt.format(counts!.events)} events and ${fmt.format(counts!.daily)} daily-stats rows in ${fmt.format((performance.now() - t0) / 1000)} s`);

    const day = (d: Date) => d.toISOString().slice(0, 10);
    const from90 = day(new Date(end.getTime() - 90 * 86_400_000));
    const from365 = day(start);
    const campaign = (i: number) => 1 + ((i * 37) % CAMPAIGNS);
    await statsSeries(db, { campaignId: 1, from: from90, to: day(end) }); // warm
    const c90 = await timed(100, (i) => statsSeries(db, { campaignId: campaign(i), from: from90, to: day(end), granularity: "day" }));
    const g52 = await timed(30, () => statsSeries(db, { from: from365, to: day(end), granularity: "week" }));
    const raw90 = await timed(30, (i) => db.execute(sql`
      select date_trunc('day', occurred_at) as d, count(*) filter (where type = 'sent') as sent, count(*) filter (where type = 'opened' and not machine) as opened
      from email_events where campaign_id = ${campaign(i)} and occurred_at >= ${from90}::date group by 1`));
    const raw52 = await timed(5, () => db.execute(sql`
      select date_trunc('week', occurred_at) as w, count(*) filter (where type = 'sent') as sent, count(*) filter (where type = 'opened' and not machine) as opened
      from email_events where occurred_at >= ${from365}::date group by 1`));
    rows.push(["one campaign, 90 days by day (daily stats)", `p95 ${fmt.format(c90.p95)} ms (p50 ${fmt.format(c90.p50)} ms)`, "p95 ≤ 20 ms"]);
    rows.push(["global, 12 months by week (daily stats)", `p95 ${fmt.format(g52.p95)} ms (p50 ${fmt.format(g52.p50)} ms)`, "p95 ≤ 50 ms"]);
    rows.push(["same: one campaign, 90 days, raw event log", `p95 ${fmt.format(raw90.p95)} ms`, "comparison"]);
    rows.push(["same: global, 12 months by week, raw event log", `p95 ${fmt.format(raw52.p95)} ms`, "comparison"]);
    await close();
  }
  // The legacy import has its own suite: npm run bench -- legacy (bench/legacy.ts).
  report("stats (npm run bench -- stats)", rows);
}
