import { sql } from "drizzle-orm";
import { describe, expect, it } from "vitest";
import { verifyCounters } from "../../server/counters/verify";
import { importLegacyDailyStats } from "../../server/stats/legacy-import";
import { statsSeries } from "../../server/stats/series";
import { herald } from "../helpers/cli";
import { useTestDatabase } from "../helpers/db";

const t = useTestDatabase();

async function denseTable(name: string, campaigns: number, days: number) {
  await t.services.db.execute(sql.raw(`
    create table ${name} (campaign_id bigint, stat_date date, sent int, opened int, replied int, positive_replies int, bounced int, clicked int);
    insert into ${name}
    select c, date '2024-01-01' + d,
      case when (c * 31 + d) % 10 = 0 then 50 + (c + d) % 40 else 0 end,
      case when (c * 31 + d) % 10 = 0 and d % 2 = 0 then 10 + d % 7 else 0 end,
      case when (c * 31 + d) % 20 = 0 then 2 else 0 end,
      case when (c * 31 + d) % 40 = 0 then 1 else 0 end,
      case when (c * 31 + d) % 30 = 0 then 1 else 0 end,
      case when (c * 31 + d) % 10 = 0 and d % 3 = 0 then 3 else 0 end
    from generate_series(900001, 900000 + ${campaigns}) c, generate_series(0, ${days - 1}) d;`));
}

describe("legacy import", () => {
  it("keeps only non-zero cells, reconciles every campaign's totals exactly, and feeds stats and counters", async () => {
    await denseTable("legacy_daily_stats", 5, 120);
    const report = await importLegacyDailyStats(t.services.db, "legacy_daily_stats");
    expect(report.sourceRows).toBe(600);
    expect(report.mismatches).toBe(0);
    expect(report.campaignsCreated).toBe(5);
    const [nonZero] = await t.services.db.execute<{ n: number }>(sql`
      select count(*)::int as n from legacy_daily_stats where sent + opened + replied + positive_replies + bounced + clicked > 0`);
    expect(report.events).toBe(nonZero!.n);
    expect(report.events).toBeLessThan(report.sourceRows);
    // Zero cells are not stored.
    const [zeros] = await t.services.db.execute<{ n: number }>(sql`select count(*)::int as n from email_events e, jsonb_each_text(e.data) d where e.type = 'daily_totals' and d.value = '0'`);
    expect(zeros!.n).toBe(0);

    const [legacy] = await t.services.db.execute<{ sent: number; opened: number }>(sql`select sum(sent)::int as sent, sum(opened)::int as opened from legacy_daily_stats`);
    const stats = await statsSeries(t.services.db, { from: "2024-01-01", to: "2024-12-31", granularity: "month" });
    expect(stats.totals.sent).toBe(legacy!.sent);
    expect(stats.totals.unique_opened).toBe(legacy!.opened);
    expect((await verifyCounters(t.services.db)).drift).toEqual([]);

    await expect(importLegacyDailyStats(t.services.db, "legacy_daily_stats")).rejects.toThrow(/already imported/);
  });

  it("names what is wrong with the source table, and the command prints the reconciliation", async () => {
    await expect(importLegacyDailyStats(t.services.db, "no_such_table")).rejects.toThrow(/There is no table "no_such_table"/);
    await expect(importLegacyDailyStats(t.services.db, "x; drop table leads")).rejects.toThrow(/is not a table name/);
    await t.services.db.execute(sql`create table half_table (campaign_id bigint, stat_date date, sent int)`);
    await expect(importLegacyDailyStats(t.services.db, "half_table")).rejects.toThrow(/lacks the columns opened, replied, bounced, clicked, positive_replies/);
    await denseTable("legacy_cli", 2, 30);
    const out = await herald(["legacy-import", "daily-stats", "--from-table", "legacy_cli"], { DATABASE_URL: t.url, HERALD_SECRET: t.services.config.HERALD_SECRET! });
    expect(out.stderr).toBe("");
    expect(out.stdout).toContain("Reconciliation: 2 campaigns × 6 metrics, 0 differences: every total matches.");
    expect(out.stdout).toMatch(/Rows: 60 dense rows/);
  });
});
