import { sql } from "drizzle-orm";
import { afterAll, beforeAll, beforeEach, describe, expect, it } from "vitest";
import { getCampaign } from "../../server/campaigns/campaigns";
import { transitionCampaign } from "../../server/campaigns/lifecycle";
import { resendTransport } from "../../server/sending/resend-transport";
import { sendRun } from "../../server/sending/send-run";
import type { Transport } from "../../server/sending/transport";
import { startResendFake } from "../fakes/resend";
import { useTestDatabase } from "../helpers/db";
import { campaignFactory, emailStatuses } from "../helpers/engine";

const t = useTestDatabase({ RESEND_RPS: "50" });
let fake: Awaited<ReturnType<typeof startResendFake>>;
let transport: Transport;
beforeAll(async () => {
  fake = await startResendFake({ rps: 50 });
  transport = resendTransport(fake.apiKey, fake.url);
});
afterAll(() => fake.close());
beforeEach(async () => {
  fake.state.accepted = [];
  fake.state.failNext = [];
  fake.state.onAccepted = null;
  fake.state.rejectAddresses.clear();
  fake.state.latencyMs = 0;
  fake.state.rps = 50;
  await t.services.db.execute(sql`delete from provider_health`);
});

const counters = async (campaignId: number) => {
  const c = await getCampaign(t.services.db, campaignId);
  return { campaign: c, run: c.currentRun! };
};

describe("sending through Resend (a local fake the real SDK talks to)", () => {
  it("two workers sending one run at once hand every email to the provider exactly once, and the counters are exact", async () => {
    const c = await campaignFactory(t.services, { recipients: 600 });
    const { runId } = await transitionCampaign(t.services.db, c.id, "start", { source: "app" });
    fake.state.latencyMs = 15;
    const [a, b] = await Promise.all([
      sendRun(t.services, transport, c.id, runId!, { workerId: "worker-a" }),
      sendRun(t.services, transport, c.id, runId!, { workerId: "worker-b" }),
    ]);
    expect(a.sent + b.sent).toBe(600);
    expect(a.sent).toBeGreaterThan(0);
    expect(b.sent).toBeGreaterThan(0);
    expect(fake.state.accepted).toHaveLength(600);
    expect([...fake.countsByRecipient().values()].every((n) => n === 1)).toBe(true);
    const { campaign, run } = await counters(c.id);
    expect(run).toMatchObject({ status: "COMPLETED", sent: 600, failed: 0 });
    expect(campaign).toMatchObject({ status: "completed", sent: 600 });
    const tags = fake.state.accepted[0]!.tags!.map((x) => x.name);
    expect(tags).toEqual(["herald_campaign", "herald_run", "herald_email"]);
  });

  it("a From name with a comma or quotes goes out quoted as one mailbox, which Resend accepts (unquoted it is two, and the batch was refused)", async () => {
    const c = await campaignFactory(t.services, { recipients: 3, settings: { fromName: 'Smith, Jones & "Co"' } });
    const { runId } = await transitionCampaign(t.services.db, c.id, "start", { source: "app" });
    const lane = await sendRun(t.services, transport, c.id, runId!, { workerId: "worker-a" });
    expect(lane).toMatchObject({ sent: 3, failed: 0 });
    expect(fake.state.accepted.map((e) => e.from)).toEqual(Array(3).fill('"Smith, Jones & \\"Co\\"" <team@herald.test>'));
  });

  it("a worker that dies after Resend accepted a batch but before recording it: the batch is resent with the same key and nobody gets two emails", async () => {
    const c = await campaignFactory(t.services, { recipients: 150 });
    const { runId } = await transitionCampaign(t.services.db, c.id, "start", { source: "app" });
    let crashed = false;
    const crashing: Transport = {
      ...transport,
      async send(emails, options) {
        const outcome = await transport.send(emails, options);
        if (!crashed) {
          crashed = true;
          throw new Error("worker killed after the provider call, before commit");
        }
        return outcome;
      },
    };
    await expect(sendRun(t.services, crashing, c.id, runId!, { workerId: "doomed" })).rejects.toThrow("worker killed");
    expect(fake.state.accepted).toHaveLength(100);
    expect(await emailStatuses(t.services, runId!)).toEqual({ sending: 100, pending: 50 });

    // The lease runs out; any worker then picks the batch up again.
    await t.services.db.execute(sql`update scheduled_emails set locked_until = now() - interval '1 second' where run_id = ${runId} and status = 'sending'`);
    const result = await sendRun(t.services, transport, c.id, runId!, { workerId: "survivor" });
    expect(result.outcome).toBe("completed");
    expect(fake.state.accepted).toHaveLength(150);
    expect([...fake.countsByRecipient().values()].every((n) => n === 1)).toBe(true);
    expect((await counters(c.id)).run).toMatchObject({ status: "COMPLETED", sent: 150 });
  });

  it("a 5xx delays the batch and the retry sends it; nothing is lost or doubled", async () => {
    const c = await campaignFactory(t.services, { recipients: 30 });
    const { runId } = await transitionCampaign(t.services.db, c.id, "start", { source: "app" });
    fake.state.failNext = [503];
    const first = await sendRun(t.services, transport, c.id, runId!, { workerId: "w" });
    expect(first.outcome).toBe("waiting");
    expect(first.nextAt!.getTime()).toBeGreaterThan(Date.now());
    expect(await emailStatuses(t.services, runId!)).toEqual({ sending: 30 });
    // Time passes: the lease and the provider's back-off run out.
    await t.services.db.execute(sql`update scheduled_emails set locked_until = now() where run_id = ${runId}`);
    await t.services.db.execute(sql`update provider_health set retry_at = now()`);
    const second = await sendRun(t.services, transport, c.id, runId!, { workerId: "w" });
    expect(second).toMatchObject({ outcome: "completed", sent: 30 });
    expect(fake.state.accepted).toHaveLength(30);
  });

  it("one address the provider refuses fails alone; rerunning only the failed recipients makes run 2 for just them", async () => {
    const c = await campaignFactory(t.services, { recipients: 10 });
    const bad = c.audience.emails[3]!;
    fake.state.rejectAddresses.add(bad);
    const { runId } = await transitionCampaign(t.services.db, c.id, "start", { source: "app" });
    const result = await sendRun(t.services, transport, c.id, runId!, { workerId: "w" });
    expect(result).toMatchObject({ outcome: "completed", sent: 9, failed: 1 });
    const [recipient] = await t.services.db.execute<{ status: string; last_error: string }>(sql`select status, last_error from run_recipients where run_id = ${runId} and email = ${bad}`);
    expect(recipient).toMatchObject({ status: "failed", last_error: expect.stringContaining("does not accept") });
    expect((await counters(c.id)).campaign.lastRunResult).toBe("Run 1 completed: 9 sent, 1 failed, 0 opened");

    fake.state.rejectAddresses.clear();
    const rerun = await transitionCampaign(t.services.db, c.id, "rerun", { source: "app", audience: "failed" });
    expect(rerun).toMatchObject({ runNumber: 2, recipients: 1 });
    await sendRun(t.services, transport, c.id, rerun.runId!, { workerId: "w" });
    const { campaign, run } = await counters(c.id);
    expect(run).toMatchObject({ runNumber: 2, sent: 1, failed: 0, status: "COMPLETED" });
    expect(campaign).toMatchObject({ lifetimeRuns: 2, sent: 10, failed: 1, recipients: 11 });
    expect(fake.countsByRecipient().get(bad)).toBe(1);
  });

  it("a rejected API key fails the run and the campaign with the reason", async () => {
    const c = await campaignFactory(t.services, { recipients: 5 });
    const { runId } = await transitionCampaign(t.services.db, c.id, "start", { source: "app" });
    const result = await sendRun(t.services, resendTransport("re_wrong", fake.url), c.id, runId!, { workerId: "w" });
    expect(result.outcome).toBe("failed");
    const { campaign, run } = await counters(c.id);
    expect(run.status).toBe("FAILED");
    expect(run.failureReason).toMatch(/API key is invalid/);
    expect(campaign.status).toBe("failed");
    expect(campaign.lastRunResult).toMatch(/Run 1 failed: 0 sent.*API key is invalid/);
    expect(await emailStatuses(t.services, runId!)).toEqual({ cancelled: 5 });
    const rerun = await transitionCampaign(t.services.db, c.id, "rerun", { source: "app", audience: "failed" });
    expect(rerun.recipients).toBe(5);
  });

  it("the provider rate limit holds across three workers: no request over the limit", async () => {
    await t.services.db.execute(sql`delete from rate_limits`);
    fake.state.rps = 4;
    const c = await campaignFactory(t.services, { recipients: 800 });
    const { runId } = await transitionCampaign(t.services.db, c.id, "start", { source: "app" });
    const slowServices = { ...t.services, config: { ...t.services.config, RESEND_RPS: 4 } };
    const started = Date.now();
    const results = await Promise.all(["a", "b", "c"].map((w) => sendRun(slowServices, transport, c.id, runId!, { workerId: w })));
    const elapsed = (Date.now() - started) / 1000;
    expect(results.reduce((n, r) => n + r.sent, 0)).toBe(800);
    expect(fake.state.rateLimited).toBe(0);
    expect(elapsed).toBeGreaterThan(1.2); // 8 calls at 4/s cannot finish at once
    expect(fake.state.accepted).toHaveLength(800);
  });

  it("a 429 slows the sender down and loses nothing", async () => {
    await t.services.db.execute(sql`delete from rate_limits`);
    fake.state.rps = 1; // the provider allows less than Herald was told
    fake.state.rateLimited = 0;
    const c = await campaignFactory(t.services, { recipients: 500 });
    const { runId } = await transitionCampaign(t.services.db, c.id, "start", { source: "app" });
    const eager = { ...t.services, config: { ...t.services.config, RESEND_RPS: 20 } };
    let outcome = "";
    for (let i = 0; i < 40 && outcome !== "completed"; i++) {
      const r = await sendRun(eager, transport, c.id, runId!, { workerId: "eager" });
      outcome = r.outcome;
      if (r.outcome === "waiting") await t.services.db.execute(sql`update scheduled_emails set locked_until = now() where run_id = ${runId} and status = 'sending'`);
    }
    expect(outcome).toBe("completed");
    expect(fake.state.rateLimited).toBeGreaterThan(0);
    expect(fake.state.accepted).toHaveLength(500);
    expect([...fake.countsByRecipient().values()].every((n) => n === 1)).toBe(true);
    expect((await counters(c.id)).run).toMatchObject({ sent: 500, failed: 0 });
  });
});
