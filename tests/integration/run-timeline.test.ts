import { sql } from "drizzle-orm";
import { beforeAll, describe, expect, it } from "vitest";
import { transitionCampaign } from "../../server/campaigns/lifecycle";
import { outboxTransport } from "../../server/sending/outbox-transport";
import { sendRun } from "../../server/sending/send-run";
import { useTestDatabase } from "../helpers/db";
import { campaignFactory } from "../helpers/engine";
import { callerAs } from "../helpers/factories";

const t = useTestDatabase();
let viewer: Awaited<ReturnType<typeof callerAs>>;
beforeAll(async () => {
  viewer = await callerAs(t.services, "viewer");
});

const recipientIds = async (campaignId: number) =>
  (await t.services.db.execute<{ id: number }>(sql`select id from run_recipients where campaign_id = ${campaignId} order by id`)).map((r) => Number(r.id));

describe("a run's page says when each recipient's next email goes and why it waits", () => {
  it("a sequence: after step 1 went, step 2 waits for its delay; per-step progress and an estimated finish at the last due step", async () => {
    const c = await campaignFactory(t.services, { recipients: 3, steps: [{ delayMinutes: 0 }, { delayMinutes: 120 }] });
    const { runId } = await transitionCampaign(t.services.db, c.id, "start", { source: "app" });
    await sendRun(t.services, outboxTransport, c.id, runId!, { workerId: "timeline" });
    const ids = await recipientIds(c.id);
    const tl = await viewer.campaigns.runTimeline({ campaignId: c.id, runNumber: 1, recipientIds: ids });
    expect(tl.steps).toEqual([
      { stepNumber: 1, total: 3, sent: 3, failed: 0, waiting: 0 },
      { stepNumber: 2, total: 3, sent: 0, failed: 0, waiting: 3 },
    ]);
    expect(tl.next).toHaveLength(3);
    expect(tl.next[0]).toMatchObject({ stepNumber: 2, reason: "step_delay", explanation: expect.stringMatching(/^Step 2 waits 2 h after step 1, inside the sending window/) });
    const due = new Date(tl.next[0]!.at!).getTime();
    expect(due).toBeGreaterThan(Date.now() + 110 * 60_000);
    expect(new Date(tl.finish.at!).getTime()).toBeGreaterThanOrEqual(due);
    expect(tl.finish.note).toBe("when the last step is due (step delays and sending windows)");

    await transitionCampaign(t.services.db, c.id, "pause", { source: "app" });
    const paused = await viewer.campaigns.runTimeline({ campaignId: c.id, runNumber: 1, recipientIds: ids });
    expect(paused.next.map((n) => n.reason)).toEqual(["paused", "paused", "paused"]);
    expect(paused.next[0]!.explanation).toBe("Run paused: step 2 goes when it is resumed.");
    expect(paused.finish).toEqual({ at: null, note: "Paused: the finish depends on when it is resumed." });
  });

  it("due emails wait their turn under the throttle, with the queue in the sentence and the finish from the throttle", async () => {
    const c = await campaignFactory(t.services, { recipients: 40, settings: { throttlePerMinute: 10 } });
    await transitionCampaign(t.services.db, c.id, "start", { source: "app" });
    const ids = await recipientIds(c.id);
    const tl = await viewer.campaigns.runTimeline({ campaignId: c.id, runNumber: 1, recipientIds: ids.slice(0, 2) });
    expect(tl.next[0]).toMatchObject({ reason: "throttle", explanation: "Due now; in the queue behind 40 due emails at 10 a minute (about 4 min)." });
    const minutesLeft = (new Date(tl.finish.at!).getTime() - Date.now()) / 60_000;
    expect(minutesLeft).toBeGreaterThan(3.5);
    expect(minutesLeft).toBeLessThan(4.5);
    expect(tl.finish.note).toBe("40 emails left at 10 a minute");
  });

  it("outside the sending window, the email waits for the window to open, in the recipient's zone", async () => {
    const hour = new Date().getUTCHours();
    const start = (hour + 3) % 24;
    const c = await campaignFactory(t.services, { recipients: 1, settings: { timeZone: "UTC", windowStartHour: start, windowEndHour: start + 1 } });
    await transitionCampaign(t.services.db, c.id, "start", { source: "app" });
    const tl = await viewer.campaigns.runTimeline({ campaignId: c.id, runNumber: 1, recipientIds: await recipientIds(c.id) });
    expect(tl.next[0]).toMatchObject({ reason: "window", explanation: "Outside the sending window until then (the campaign's zone)." });
    expect(new Date(tl.next[0]!.at!).getUTCHours()).toBe(start);
  });
});
