import { sql } from "drizzle-orm";
import { describe, expect, it } from "vitest";
import { verifyCounters } from "../../server/counters/verify";
import { maintainEventPartitions } from "../../server/maintenance/partitions";
import { importLegacyDailyStats } from "../../server/stats/legacy-import";
import { statsSeries } from "../../server/stats/series";
import { herald } from "../helpers/cli";
import { useTestDatabase } from "../helpers/db";

const t = useTestDatabase();

describe("legacy history that retention cannot erase", () => {
  it("survives event retention, verify-counters checks it against its own truth and says what it checked", async () => {
    const env = { DATABASE_URL: t.url, HERALD_SECRET: t.services.config.HERALD_SECRET! };
    const empty = await herald(["verify-counters"], env);
    expect(empty.stdout).toContain("Nothing to check: there are no campaigns or runs.");
    expect(empty.stdout).not.toContain("No drift");

    await t.services.db.execute(sql`
      create table old_stats (campaign_id text, stat_date date, sent int, opened int, replied int, positive_replies int, bounced int, clicked int);
      insert into old_stats select 'old-' || c, date '2019-01-01' + d, case when d % 7 = c then 40 else 0 end, case when d % 7 = c then 9 else 0 end,
        case when d % 14 = c then 3 else 0 end, case when d % 14 = c then 2 else 0 end, 0, case when d % 7 = c then 1 else 0 end
      from generate_series(1, 3) c, generate_series(0, 1999) d`);
    await importLegacyDailyStats(t.services.db, "old_stats");
    const [source] = await t.services.db.execute<{ sent: number; positive: number }>(sql`select sum(sent)::int as sent, sum(positive_replies)::int as positive from old_stats`);

    // The nightly job with a one-month retention: the legacy history is not in any partition it drops.
    await maintainEventPartitions(t.services.db, 1);
    const all = await statsSeries(t.services.db, { from: "2019-01-01", to: "2024-12-31", granularity: "month" });
    expect([all.totals.sent, all.totals.positive_replies]).toEqual([source!.sent, source!.positive]);

    const clean = await verifyCounters(t.services.db, { retentionMonths: 1 });
    expect(clean.drift).toEqual([]);
    expect(clean.checked).toMatchObject({ legacyRuns: 3, legacyCampaigns: 3, campaigns: 3 });
    expect(clean.checked.legacyCampaignDays).toBeGreaterThan(800);
    expect(clean.skipped).toEqual([]);
    const out = await herald(["verify-counters"], env);
    expect(out.stdout).toMatch(/Checked 0 runs against the event log, 3 legacy runs against the legacy store, 3 legacy campaigns \([\d,]+ campaign-days\) against their source's totals, [\d,]+ days of the legacy rollup, and 3 campaigns against their runs\./);
    expect(out.stdout).toContain("No drift in anything checked.");

    // A damaged store is found against the source's totals, and --fix does not "repair" the truth away.
    await t.services.db.execute(sql`update legacy_daily_stats set sent = sent + 5 where (series_id, day) = (select series_id, day from legacy_daily_stats order by 1, 2 limit 1)`);
    const damaged = await verifyCounters(t.services.db, { fix: true });
    const storeDrift = damaged.drift.filter((d) => d.scope === "legacy");
    expect(storeDrift).toHaveLength(1);
    expect(storeDrift[0]!.stored - storeDrift[0]!.actual).toBe(5);
    expect(storeDrift[0]!.campaignName).toMatch(/^Legacy old-\d \(legacy id old-\d\)$/);
    expect(damaged.legacy.dayDrift).toHaveLength(1);
    expect(damaged.drift.filter((d) => d.scope === "run")).toHaveLength(1);
    const after = await verifyCounters(t.services.db);
    // The run's counters still say what the source said: the damaged store did not overwrite them.
    expect(after.drift.map((d) => d.scope).sort()).toEqual(["legacy", "run"]);
    expect(after.legacy.dayDrift).toEqual([]);
    const told = await herald(["verify-counters"], env);
    expect(told.code).toBe(1);
    expect(told.stdout).toMatch(/Legacy old-\d \(legacy id old-\d\): the legacy store holds sent \d+, its source had \d+ \(restore it from the source: --fix cannot\)/);
  }, 120_000);

  it("a native run past retention is skipped with its reason, never counted as checked", async () => {
    await t.services.db.execute(sql`insert into campaigns (name, from_email) values ('Old native', 'a@herald.test')`);
    await t.services.db.execute(sql`insert into campaign_runs (campaign_id, run_number, status, started_at) select id, 1, 'COMPLETED', now() - interval '5 years' from campaigns where name = 'Old native'`);
    const r = await verifyCounters(t.services.db, { retentionMonths: 24 });
    expect(r.skipped).toEqual([{ count: 1, what: "runs", reason: "their events are past the 24-month event retention, so there is no log to recount (their daily stats stay)" }]);
    expect(r.checked.runs).toBe(0);
  });
});
