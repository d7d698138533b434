import { sql } from "drizzle-orm";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { getCampaign } from "../../server/campaigns/campaigns";
import { transitionCampaign } from "../../server/campaigns/lifecycle";
import { outboxTransport } from "../../server/sending/outbox-transport";
import { resendTransport } from "../../server/sending/resend-transport";
import { sendRun } from "../../server/sending/send-run";
import { startResendFake } from "../fakes/resend";
import { useTestDatabase } from "../helpers/db";
import { campaignFactory, emailStatuses } from "../helpers/engine";

const t = useTestDatabase({ RESEND_RPS: "100" });
let fake: Awaited<ReturnType<typeof startResendFake>>;
beforeAll(async () => {
  fake = await startResendFake({ rps: 100 });
});
afterAll(() => fake.close());

const DAY = 24 * 60;

describe("pause and resume", () => {
  it("a pause in the middle of a batch waits for that batch, and nothing is handed to the provider after the pause commits", async () => {
    const c = await campaignFactory(t.services, { recipients: 1000 });
    const { runId } = await transitionCampaign(t.services.db, c.id, "start", { source: "app" });
    fake.state.latencyMs = 60;
    fake.state.accepted = [];
    let pausedAt = 0;
    let pauseRequested = 0;
    fake.state.onAccepted = () => {
      if (fake.state.accepted.length >= 200 && !pauseRequested) {
        pauseRequested = Date.now();
        void transitionCampaign(t.services.db, c.id, "pause", { source: "airtable" }).then(() => (pausedAt = Date.now()));
      }
    };
    const lanes = await Promise.all(["a", "b"].map((w) => sendRun(t.services, resendTransport(fake.apiKey, fake.url), c.id, runId!, { workerId: w })));
    await new Promise((r) => setTimeout(r, 50));
    expect(pausedAt).toBeGreaterThan(0);
    // Each lane either saw the pause or found nothing left to claim; neither finished the run.
    for (const lane of lanes) expect(["stopped", "idle"]).toContain(lane.outcome);
    const lastAccepted = Math.max(...fake.state.accepted.map((e) => e.at));
    expect(lastAccepted).toBeLessThanOrEqual(pausedAt);
    expect(pausedAt - pauseRequested).toBeLessThan(2000);

    const statuses = await emailStatuses(t.services, runId!);
    expect(statuses.sent).toBe(fake.state.accepted.length);
    expect(statuses.sending ?? 0).toBe(0);
    expect(statuses.paused).toBe(1000 - fake.state.accepted.length);
    const campaign = await getCampaign(t.services.db, c.id);
    expect(campaign).toMatchObject({ status: "paused", statusSource: "airtable", sent: fake.state.accepted.length });
    expect(campaign.currentRun!.status).toBe("PAUSED");

    // Still paused: a lane that wakes up sends nothing.
    const idle = await sendRun(t.services, outboxTransport, c.id, runId!, { workerId: "late" });
    expect(idle).toMatchObject({ outcome: "stopped", sent: 0 });

    await transitionCampaign(t.services.db, c.id, "resume", { source: "app" });
    fake.state.latencyMs = 0;
    fake.state.onAccepted = null;
    const rest = await sendRun(t.services, resendTransport(fake.apiKey, fake.url), c.id, runId!, { workerId: "a" });
    expect(rest.outcome).toBe("completed");
    expect(fake.state.accepted).toHaveLength(1000);
    expect([...fake.countsByRecipient().values()].every((n) => n === 1)).toBe(true);
  });

  it("resume re-times what is left from the moment of resume, keeping the gaps between steps", async () => {
    const c = await campaignFactory(t.services, { recipients: 3, steps: [{ delayMinutes: 0 }, { delayMinutes: 2 * DAY }, { delayMinutes: 5 * DAY }] });
    const { runId } = await transitionCampaign(t.services.db, c.id, "start", { source: "app" });
    await sendRun(t.services, outboxTransport, c.id, runId!, { workerId: "w" });
    await transitionCampaign(t.services.db, c.id, "pause", { source: "app" });
    // Pretend the pause lasted ten days.
    await t.services.db.execute(sql`update campaign_runs set paused_at = paused_at - interval '10 days' where id = ${runId}`);
    const before = await t.services.db.execute<{ step_number: number; scheduled_for: string }>(sql`select step_number, scheduled_for from scheduled_emails where run_id = ${runId} and status = 'paused' order by recipient_id, step_number`);
    await transitionCampaign(t.services.db, c.id, "resume", { source: "app" });
    const after = await t.services.db.execute<{ step_number: number; scheduled_for: string; status: string }>(sql`select step_number, scheduled_for, status from scheduled_emails where run_id = ${runId} and step_number > 1 order by recipient_id, step_number`);
    expect(after.every((r) => r.status === "pending")).toBe(true);
    after.forEach((row, i) => {
      const moved = new Date(row.scheduled_for).getTime() - new Date(before[i]!.scheduled_for).getTime();
      expect(Math.abs(moved - 10 * 86_400_000)).toBeLessThan(5_000);
    });
    const gap = new Date(after[1]!.scheduled_for).getTime() - new Date(after[0]!.scheduled_for).getTime();
    expect(Math.round(gap / 60_000)).toBe(5 * DAY);
  });

  it("a sequence whose third step is weeks away is not complete after the first two steps went out", async () => {
    const c = await campaignFactory(t.services, { recipients: 4, steps: [{ delayMinutes: 0 }, { delayMinutes: 0 }, { delayMinutes: 21 * DAY }] });
    const { runId } = await transitionCampaign(t.services.db, c.id, "start", { source: "app" });
    const result = await sendRun(t.services, outboxTransport, c.id, runId!, { workerId: "w" });
    expect(result).toMatchObject({ outcome: "idle", sent: 8 });
    expect(result.nextAt!.getTime() - Date.now()).toBeGreaterThan(20 * 86_400_000);
    expect(await emailStatuses(t.services, runId!)).toEqual({ sent: 8, pending: 4 });
    const campaign = await getCampaign(t.services.db, c.id);
    expect(campaign.status).toBe("running");
    expect(campaign.currentRun!.status).toBe("SENDING");

    // Three weeks later, the last step goes and only then is the run complete.
    await t.services.db.execute(sql`update scheduled_emails set scheduled_for = now() where run_id = ${runId} and status = 'pending'`);
    expect(await sendRun(t.services, outboxTransport, c.id, runId!, { workerId: "w" })).toMatchObject({ outcome: "completed", sent: 4 });
  });

  it("a later step never goes before the earlier one, and waits its full delay after it", async () => {
    const c = await campaignFactory(t.services, { recipients: 2, steps: [{ delayMinutes: 0 }, { delayMinutes: 60 }] });
    const { runId } = await transitionCampaign(t.services.db, c.id, "start", { source: "app" });
    // Step 1 ran late (as if throttled): step 2 was due already.
    await t.services.db.execute(sql`update scheduled_emails set scheduled_for = now() - interval '2 hours' where run_id = ${runId} and step_number = 2`);
    await sendRun(t.services, outboxTransport, c.id, runId!, { workerId: "w" });
    const rows = await t.services.db.execute<{ step_number: number; status: string; scheduled_for: string }>(sql`select step_number, status, scheduled_for from scheduled_emails where run_id = ${runId} order by step_number`);
    expect(rows.filter((r) => r.step_number === 1).every((r) => r.status === "sent")).toBe(true);
    for (const r of rows.filter((x) => x.step_number === 2)) {
      expect(r.status).toBe("pending");
      expect(new Date(r.scheduled_for).getTime() - Date.now()).toBeGreaterThan(59 * 60_000);
    }
  });

  it("cancel stops a paused run for good: nothing pending, the run is not resumable", async () => {
    const c = await campaignFactory(t.services, { recipients: 5, steps: [{ delayMinutes: 0 }, { delayMinutes: DAY }] });
    const { runId } = await transitionCampaign(t.services.db, c.id, "start", { source: "app" });
    await transitionCampaign(t.services.db, c.id, "pause", { source: "cli" });
    await transitionCampaign(t.services.db, c.id, "cancel", { source: "app" });
    expect(await emailStatuses(t.services, runId!)).toEqual({ cancelled: 10 });
    expect((await getCampaign(t.services.db, c.id)).lastRunResult).toBe("Run 1 cancelled: 0 sent, 0 failed, 0 opened");
    await expect(transitionCampaign(t.services.db, c.id, "resume", { source: "app" })).rejects.toThrow(/only a paused campaign/);
  });
});
