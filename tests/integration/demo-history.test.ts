import { sql } from "drizzle-orm";
import { describe, expect, it } from "vitest";
import { rangeFromUrl } from "../../app/lib/analytics-range.server";
import { getCampaign } from "../../server/campaigns/campaigns";
import { verifyCounters } from "../../server/counters/verify";
import { seedDemoHistory } from "../../server/demo/history";
import { seedDemoData } from "../../server/demo/seed";
import { statsSeries } from "../../server/stats/series";
import { useTestDatabase } from "../helpers/db";
import { callerAs } from "../helpers/factories";

const t = useTestDatabase();
const daysAgo = (n: number) => new Date(Date.now() - n * 86_400_000).toISOString().slice(0, 10);

describe("demo data for a newcomer", () => {
  it("has a finished run with opens, clicks, replies, a bounce and an unsubscribe over the past weeks, a second run to compare, a paused sequence, and an Analytics curve across days whose figures match the log", async () => {
    await seedDemoData(t.services.db);
    await seedDemoHistory(t.services);
    const viewer = await callerAs(t.services, "viewer");
    const list = await viewer.campaigns.list({});
    const october = list.campaigns.find((c) => c.name === "October newsletter")!;
    expect(october.status).toBe("completed");
    const c = await getCampaign(t.services.db, october.id);
    expect(c.lifetimeRuns).toBe(2);
    expect(c.sent).toBeGreaterThan(48);
    expect(c.opened).toBeGreaterThan(10);
    expect(c.clicked).toBeGreaterThan(3);
    expect(c.replied).toBe(2);
    expect(c.bounced).toBe(1);
    expect(c.unsubscribed).toBe(1);
    expect(list.campaigns.find((x) => x.name === "Partner onboarding")?.status).toBe("paused");

    // When things happened: run 1 24 days ago, run 2 17, the sequence 6, paused 5 days ago; nothing today.
    const runs = await t.services.db.execute<{ name: string; run_number: number; started: string; completed: string | null; paused: string | null }>(sql`
      select c.name, r.run_number, (r.started_at at time zone 'UTC')::date::text as started, (r.completed_at at time zone 'UTC')::date::text as completed,
             (r.paused_at at time zone 'UTC')::date::text as paused
      from campaign_runs r join campaigns c on c.id = r.campaign_id order by r.started_at`);
    expect(runs).toEqual([
      { name: "October newsletter", run_number: 1, started: daysAgo(24), completed: daysAgo(24), paused: null },
      { name: "October newsletter", run_number: 2, started: daysAgo(17), completed: daysAgo(17), paused: null },
      { name: "Partner onboarding", run_number: 1, started: daysAgo(6), completed: null, paused: daysAgo(5) },
    ]);
    const [latest] = await t.services.db.execute<{ at: string }>(sql`select max(occurred_at)::text as at from email_events`);
    expect(Date.parse(latest!.at)).toBeLessThan(Date.now() - 4 * 86_400_000);

    // Analytics' default range (the last 30 days, by day) draws a curve across those days.
    const range = rangeFromUrl(new URL("http://herald.local/analytics"));
    const stats = await viewer.stats.series({ from: range.from, to: range.to, granularity: range.granularity });
    const active = stats.series.filter((s) => s.sent + s.delivered + s.opened + s.clicked + s.replied + s.unsubscribed + s.bounced > 0).map((s) => s.period);
    expect(active).toEqual([daysAgo(24), daysAgo(23), daysAgo(22), daysAgo(20), daysAgo(17), daysAgo(16), daysAgo(6), daysAgo(5)]);
    expect(stats.series.filter((s) => s.unique_opened > 0).length).toBeGreaterThanOrEqual(5);
    expect(stats.totals.sent).toBe(c.sent + (await getCampaign(t.services.db, list.campaigns.find((x) => x.name === "Partner onboarding")!.id)).sent);

    // Each day's figures are that day's events (the rollup moved with them), for Analytics and for one campaign.
    const events = await t.services.db.execute<{ day: string; type: string; n: number }>(sql`
      select (occurred_at at time zone 'UTC')::date::text as day, type::text, count(*)::int as n from email_events group by 1, 2`);
    const fromLog = (day: string, type: string) => events.find((e) => e.day === day && e.type === type)?.n ?? 0;
    const campaignStats = await statsSeries(t.services.db, { campaignId: october.id, from: range.from, to: range.to, granularity: "day" });
    for (const s of stats.series) {
      expect({ day: s.period, sent: s.sent, delivered: s.delivered, opened: s.opened, clicked: s.clicked, replied: s.replied, unsubscribed: s.unsubscribed, bounced: s.bounced })
        .toEqual({ day: s.period, sent: fromLog(s.period, "sent"), delivered: fromLog(s.period, "delivered"), opened: fromLog(s.period, "opened"), clicked: fromLog(s.period, "clicked"),
          replied: fromLog(s.period, "replied"), unsubscribed: fromLog(s.period, "unsubscribed"), bounced: fromLog(s.period, "bounced") });
    }
    expect(campaignStats.series.find((s) => s.period === daysAgo(24))).toMatchObject({ sent: c.sent - campaignStats.series.find((s) => s.period === daysAgo(17))!.sent, bounced: 1 });
    expect((await verifyCounters(t.services.db)).drift).toEqual([]);
  });
});
