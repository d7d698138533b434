import { describe, expect, it } from "vitest";
import { getCampaign } from "../../server/campaigns/campaigns";
import { verifyCounters } from "../../server/counters/verify";
import { seedDemoHistory } from "../../server/demo/history";
import { seedDemoData } from "../../server/demo/seed";
import { statsSeries } from "../../server/stats/series";
import { useTestDatabase } from "../helpers/db";
import { callerAs } from "../helpers/factories";

const t = useTestDatabase();

describe("demo data for a newcomer", () => {
  it("has a finished run with opens, clicks, replies, a bounce and an unsubscribe, a second run to compare, a paused sequence, and non-empty Analytics whose counters match the log", async () => {
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
    const today = new Date().toISOString().slice(0, 10);
    const stats = await statsSeries(t.services.db, { from: today, to: today });
    expect(stats.totals.sent).toBeGreaterThan(48);
    expect(stats.totals.unique_opened).toBeGreaterThan(10);
    expect((await verifyCounters(t.services.db)).drift).toEqual([]);
  });
});
