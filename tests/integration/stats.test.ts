import { sql } from "drizzle-orm";
import { describe, expect, it } from "vitest";
import { getCampaign } from "../../server/campaigns/campaigns";
import { transitionCampaign } from "../../server/campaigns/lifecycle";
import { outboxTransport } from "../../server/sending/outbox-transport";
import { sendRun } from "../../server/sending/send-run";
import { statsSeries } from "../../server/stats/series";
import { foldEvents } from "../../server/tracking/fold";
import { recordHit } from "../../server/tracking/hits";
import { herald } from "../helpers/cli";
import { useTestDatabase } from "../helpers/db";
import { campaignFactory } from "../helpers/engine";

const t = useTestDatabase();
const DAY = 86_400_000;

async function campaignWithHistory() {
  const c = await campaignFactory(t.services, { recipients: 30 });
  const run = await transitionCampaign(t.services.db, c.id, "start", { source: "app" });
  await sendRun(t.services, outboxTransport, c.id, run.runId!, { workerId: "w" });
  const emails = await t.services.db.execute<{ id: number }>(sql`select id from scheduled_emails where run_id = ${run.runId} order by id`);
  // Deliveries, opens (some by machines) and clicks spread over the last 60 days.
  for (const [i, e] of emails.entries()) {
    const base = Date.now() - (i * 2 + 1) * DAY;
    await recordHit(t.services.db, { campaignId: c.id, scheduledEmailId: e.id, type: "delivered", occurredAt: new Date(base) });
    if (i % 2 === 0) await recordHit(t.services.db, { campaignId: c.id, scheduledEmailId: e.id, type: "opened", occurredAt: new Date(base + 3_600_000), machine: i % 6 === 0 });
    if (i % 3 === 0) await recordHit(t.services.db, { campaignId: c.id, scheduledEmailId: e.id, type: "opened", occurredAt: new Date(base + 7_200_000) });
    if (i % 5 === 0) await recordHit(t.services.db, { campaignId: c.id, scheduledEmailId: e.id, type: "clicked", occurredAt: new Date(base + 9_000_000) });
  }
  await foldEvents(t.services.db);
  return { c, runId: run.runId! };
}

describe("statistics", () => {
  it("agree with the raw event log at day, week and month granularity, and with the campaign's counters", async () => {
    const { c, runId } = await campaignWithHistory();
    const from = new Date(Date.now() - 70 * DAY).toISOString().slice(0, 10);
    const to = new Date().toISOString().slice(0, 10);
    for (const granularity of ["day", "week", "month"] as const) {
      const stats = await statsSeries(t.services.db, { campaignId: c.id, from, to, granularity });
      const raw = await t.services.db.execute<{ period: string; delivered: number; opened: number; machine: number; clicked: number }>(sql`
        select to_char(date_trunc(${granularity}, (occurred_at at time zone 'UTC')::date), 'YYYY-MM-DD') as period,
               count(*) filter (where type = 'delivered')::int as delivered, count(*) filter (where type = 'opened')::int as opened,
               count(*) filter (where type = 'opened' and machine)::int as machine, count(*) filter (where type = 'clicked')::int as clicked
        from email_events where campaign_id = ${c.id} group by 1`);
      for (const r of raw) {
        const period = stats.series.find((s) => s.period === r.period)!;
        expect(period, `${granularity} ${r.period}`).toMatchObject({ delivered: r.delivered, opened: r.opened, machine_opened: r.machine, clicked: r.clicked });
      }
      const campaign = await getCampaign(t.services.db, c.id);
      expect(stats.totals).toMatchObject({ sent: campaign.sent, delivered: campaign.delivered, unique_opened: campaign.opened, unique_clicked: campaign.clicked });
    }
    const byRun = await statsSeries(t.services.db, { runId, from, to, granularity: "month" });
    expect(byRun.totals.delivered).toBe(30);
    // The global figures come from the trigger-kept rollup; they must equal the sum of every campaign's rows.
    const global = await statsSeries(t.services.db, { from, to, granularity: "week" });
    const [all] = await t.services.db.execute<{ sent: number; delivered: number; opened: number; unique_opened: number; clicked: number }>(sql`
      select sum(sent)::int as sent, sum(delivered)::int as delivered, sum(opened)::int as opened, sum(unique_opened)::int as unique_opened, sum(clicked)::int as clicked
      from campaign_daily_stats where day between ${from}::date and ${to}::date`);
    expect(global.totals).toMatchObject(all!);
    expect(global.series.every((s, i, all) => i === 0 || s.period > all[i - 1]!.period)).toBe(true);
  });

  it("reports honest rates: unique human opens over delivered, machine opens apart", async () => {
    const { c } = await campaignWithHistory();
    const stats = await statsSeries(t.services.db, { campaignId: c.id, from: "2000-01-01", to: "2100-01-01", granularity: "month" });
    const { totals, rates } = stats;
    expect(rates.open).toBeCloseTo(totals.unique_opened / totals.delivered);
    expect(rates.machineOpenShare).toBeCloseTo(totals.machine_opened / totals.opened);
    expect(totals.machine_opened).toBe(5);
  });

  it("refuses a backwards range, and herald stats prints a table or JSON", async () => {
    await expect(statsSeries(t.services.db, { from: "2026-02-01", to: "2026-01-01" })).rejects.toThrow(/ends before it starts/);
    const [c] = await t.services.db.execute<{ name: string }>(sql`select name from campaigns order by id limit 1`);
    const env = { DATABASE_URL: t.url, HERALD_SECRET: t.services.config.HERALD_SECRET! };
    const table = await herald(["stats", "--campaign", c!.name, "--granularity", "month"], env);
    expect(table.code).toBe(0);
    expect(table.stdout).toMatch(/period\s+sent\s+delivered/);
    expect(table.stdout).toMatch(/total\s+30/);
    const json = await herald(["stats", "--json", "--granularity", "week"], env);
    expect(JSON.parse(json.stdout).granularity).toBe("week");
    const bad = await herald(["stats", "--granularity", "year"], env);
    expect(bad.code).toBe(2);
  });
});
