import { sql } from "drizzle-orm";
import { afterAll, beforeAll, beforeEach, describe, expect, it } from "vitest";
import { getCampaign } from "../../server/campaigns/campaigns";
import { transitionCampaign } from "../../server/campaigns/lifecycle";
import { verifyCounters } from "../../server/counters/verify";
import { getRun } from "../../server/runs/queries";
import { runTimeline } from "../../server/runs/waiting";
import { providerStatus } from "../../server/sending/health";
import { outboxTransport } from "../../server/sending/outbox-transport";
import { resendTransport } from "../../server/sending/resend-transport";
import { sendRun, type LaneResult } from "../../server/sending/send-run";
import type { Transport } from "../../server/sending/transport";
import { startResendFake } from "../fakes/resend";
import { useTestDatabase } from "../helpers/db";
import { campaignFactory, emailStatuses } from "../helpers/engine";

const t = useTestDatabase({ RESEND_RPS: "100" });
let fake: Awaited<ReturnType<typeof startResendFake>>;
let transport: Transport;
beforeAll(async () => {
  fake = await startResendFake({ rps: 100 });
  transport = resendTransport(fake.apiKey, fake.url);
});
afterAll(() => fake.close());
beforeEach(async () => {
  Object.assign(fake.state, { accepted: [], failNext: [], onAccepted: null, latencyMs: 0, down: 0, hang: "none", hanging: 0, conflicts: 0 });
  await t.services.db.execute(sql`delete from provider_health`);
  await t.services.db.execute(sql`delete from rate_limits`);
});

const db = () => t.services.db;
/** Time passes (compressed): leases, provider back-off and slots that were `ms` away are due now. */
async function advance(ms: number) {
  const secs = ms / 1000;
  await db().execute(sql`update scheduled_emails set locked_until = locked_until - make_interval(secs => ${secs}) where status = 'sending'`);
  await db().execute(sql`update provider_health set retry_at = retry_at - make_interval(secs => ${secs}), unavailable_since = unavailable_since - make_interval(secs => ${secs})`);
  await db().execute(sql`update rate_limits set next_slot_at = next_slot_at - make_interval(secs => ${secs}), blocked_until = blocked_until - make_interval(secs => ${secs})`);
}

/** Sends one batch, then "dies" before recording it (the provider has accepted it). */
const dying = (inner: Transport): Transport => ({
  ...inner,
  async send(emails, options) {
    await inner.send(emails, options);
    throw new Error("SIGKILL after the provider accepted, before the commit");
  },
});

async function twoSenders(campaignId: number) {
  const ids: number[] = [];
  for (const who of ["ana", "bo"]) {
    const [s] = await db().execute<{ id: number }>(sql`insert into sender_identities (from_email, from_name, daily_cap) values (${`${who}-${campaignId}@herald.test`}, ${who}, 100000) returning id`);
    await db().execute(sql`insert into campaign_senders (campaign_id, sender_id) values (${campaignId}, ${s!.id})`);
    ids.push(s!.id);
  }
  return ids;
}

describe("the send path under faults (Resend fake)", () => {
  it("a crash with two sender identities, then a suppression and a reply before the retake: the same bytes go again, 0 false failures, 0 duplicates", async () => {
    const c = await campaignFactory(t.services, { recipients: 150 });
    await twoSenders(c.id);
    const { runId } = await transitionCampaign(db(), c.id, "start", { source: "app" });
    await expect(sendRun(t.services, dying(transport), c.id, runId!, { workerId: "doomed" })).rejects.toThrow("SIGKILL");
    expect(fake.state.accepted).toHaveLength(100);
    const inFlight = fake.state.accepted.map((e) => e.to[0]!);
    expect(new Set(fake.state.accepted.map((e) => e.from)).size).toBe(2);

    // Before anyone retakes it: one recipient of the batch is suppressed, another replies.
    await db().execute(sql`insert into suppressions (email, reason) values (${inFlight[7]!}, 'unsubscribed')`);
    await db().execute(sql`update run_recipients set replied_at = now() where run_id = ${runId} and email = ${inFlight[9]!}`);
    await advance(31_000);
    const [a, b] = await Promise.all(["lane-a", "lane-b"].map((w) => sendRun(t.services, transport, c.id, runId!, { workerId: w })));
    expect([a!.outcome, b!.outcome]).toContain("completed");

    expect(fake.state.conflicts).toBe(0); // no 409: the retake's body was byte-for-byte the first one
    expect(fake.duplicates()).toBe(0);
    expect(fake.state.accepted).toHaveLength(150);
    const statuses = await emailStatuses(t.services, runId!);
    expect(statuses).toEqual({ sent: 150 });
    // The provider had them before the suppression: recorded as sent, which is what happened.
    const [row] = await db().execute<{ status: string }>(sql`select e.status from scheduled_emails e join run_recipients r on r.id = e.recipient_id and r.campaign_id = e.campaign_id where r.email = ${inFlight[7]!}`);
    expect(row!.status).toBe("sent");
    const run = (await getCampaign(db(), c.id)).currentRun!;
    expect(run).toMatchObject({ status: "COMPLETED", sent: 150, failed: 0 });
    expect((await verifyCounters(db())).drift).toEqual([]);
  });

  it("a changed body under a used key (409 invalid_idempotent_request) is unknown: shown on the run, not failed, not in 'rerun failed', counted by verify-counters", async () => {
    const c = await campaignFactory(t.services, { recipients: 40 });
    const { runId } = await transitionCampaign(db(), c.id, "start", { source: "app" });
    await expect(sendRun(t.services, dying(transport), c.id, runId!, { workerId: "doomed" })).rejects.toThrow("SIGKILL");
    // As if the stored body had been lost and re-rendered from an edited template.
    await db().execute(sql`update send_batches set payload = replace(payload, 'Hi ', 'Hello ')`);
    await advance(31_000);
    const result = await sendRun(t.services, transport, c.id, runId!, { workerId: "w" });
    expect(result).toMatchObject({ outcome: "completed", failed: 0 });
    expect(fake.state.accepted).toHaveLength(40);
    expect(await emailStatuses(t.services, runId!)).toEqual({ unknown: 40 });
    const run = await getRun(db(), c.id, 1);
    expect((await runTimeline(db(), c.id, 1, [])).emails.unknown).toBe(40);
    expect(run.failed).toBe(0);
    await expect(transitionCampaign(db(), c.id, "rerun", { source: "app", audience: "failed" })).rejects.toThrow(/no recipient of the last run failed/);
    expect((await verifyCounters(db())).unknown).toBeGreaterThanOrEqual(40);
  });

  it("a batch first handed over more than 24 h ago is not resent: its outcome is unknown", async () => {
    const c = await campaignFactory(t.services, { recipients: 10 });
    const { runId } = await transitionCampaign(db(), c.id, "start", { source: "app" });
    await expect(sendRun(t.services, dying(transport), c.id, runId!, { workerId: "doomed" })).rejects.toThrow("SIGKILL");
    await db().execute(sql`update send_batches set first_handed_at = now() - interval '25 hours'`);
    await advance(31_000);
    await sendRun(t.services, transport, c.id, runId!, { workerId: "w" });
    expect(fake.state.accepted).toHaveLength(10);
    expect(await emailStatuses(t.services, runId!)).toEqual({ unknown: 10 });
  });

  it("a 5-minute 5xx outage (time compressed) fails nothing, claims no fresh batch, shows 'Provider unavailable since …', and completes after recovery", async () => {
    const c = await campaignFactory(t.services, { recipients: 600 });
    const { runId } = await transitionCampaign(db(), c.id, "start", { source: "app" });
    fake.state.down = 503;
    let simulated = 0;
    let shown: string | null = null;
    let claimedAtStart: number | undefined;
    let results: LaneResult[] = [];
    while (simulated < 5 * 60_000) {
      results = await Promise.all(["a", "b"].map((w) => sendRun(t.services, transport, c.id, runId!, { workerId: w })));
      const statuses = await emailStatuses(t.services, runId!);
      expect(statuses.failed ?? 0).toBe(0);
      // At most the batch each lane had when the outage began; after that no lane claims.
      expect(statuses.sending ?? 0).toBeLessThanOrEqual(200);
      claimedAtStart ??= statuses.sending ?? 0;
      expect(statuses.sending ?? 0).toBe(claimedAtStart);
      shown ??= (await providerStatus(db())).message;
      const wait = Math.max(1000, Math.min(...results.map((r) => (r.nextAt?.getTime() ?? Date.now()) - Date.now())));
      await advance(wait);
      simulated += wait;
    }
    expect(shown).toMatch(/^Provider unavailable since \d\d:\d\d:\d\d UTC .*retrying at \d\d:\d\d:\d\d UTC/);
    expect((await getCampaign(db(), c.id)).currentRun!.status).toBe("SENDING");
    expect(fake.state.accepted).toHaveLength(0);

    fake.state.down = 0;
    for (let i = 0; i < 10 && !results.some((r) => r.outcome === "completed"); i++) {
      await advance(180_000);
      results = await Promise.all(["a", "b"].map((w) => sendRun(t.services, transport, c.id, runId!, { workerId: w })));
    }
    expect(await emailStatuses(t.services, runId!)).toEqual({ sent: 600 });
    expect(fake.duplicates()).toBe(0);
    expect((await providerStatus(db())).available).toBe(true);
    expect((await getCampaign(db(), c.id)).currentRun).toMatchObject({ status: "COMPLETED", sent: 600, failed: 0 });
  });

  for (const perMinute of [1, 5, 10]) {
    it(`a throttle of ${perMinute} a minute keeps pace with two lanes (time compressed): one email per slot, no stall`, async () => {
      const c = await campaignFactory(t.services, { recipients: 6, settings: { throttlePerMinute: perMinute } });
      const { runId } = await transitionCampaign(db(), c.id, "start", { source: "app" });
      const slotMs = 60_000 / perMinute;
      // Each lane is a job that runs at its queued time; the clock jumps to the earliest one.
      const jobs = [{ lane: "a", at: 0 }, { lane: "b", at: 0 }];
      // The test's clock: real time plus every jump.
      const t0 = Date.now();
      let jumped = 0;
      const clock = () => Date.now() - t0 + jumped;
      const sentAt: number[] = [];
      for (let i = 0; i < 40 && sentAt.length < 6; i++) {
        jobs.sort((x, y) => x.at - y.at);
        const job = jobs[0]!;
        const ahead = job.at - clock();
        if (ahead > 0) {
          await advance(ahead);
          jumped += ahead;
        }
        const r = await sendRun(t.services, outboxTransport, c.id, runId!, { workerId: job.lane });
        for (let k = 0; k < r.sent; k++) sentAt.push(clock());
        if (r.outcome === "completed") break;
        expect(r.outcome).toBe("waiting");
        const wait = r.nextAt!.getTime() - Date.now();
        expect(wait).toBeLessThanOrEqual(slotMs + 1000); // rescheduled for its slot, not later
        job.at = clock() + Math.max(wait, 1);
      }
      expect(sentAt).toHaveLength(6);
      const span = sentAt[5]! - sentAt[0]!;
      expect(span).toBeGreaterThanOrEqual(5 * slotMs - 1500);
      expect(span).toBeLessThanOrEqual(5 * slotMs + 5000);
      expect(await emailStatuses(t.services, runId!)).toEqual({ sent: 6 });
    });
  }

  it("a hung provider: a pause answers within 2 s, and after resume the hung batch goes once", async () => {
    const c = await campaignFactory(t.services, { recipients: 250 });
    const { runId } = await transitionCampaign(db(), c.id, "start", { source: "app" });
    fake.state.hang = "after";
    const lane = sendRun(t.services, transport, c.id, runId!, { workerId: "w" });
    while (fake.state.hanging === 0) await new Promise((r) => setTimeout(r, 20));
    const started = Date.now();
    await transitionCampaign(db(), c.id, "pause", { source: "app" });
    const pauseMs = Date.now() - started;
    expect(pauseMs).toBeLessThan(2000);
    await lane;
    const acceptedAtPause = fake.state.accepted.length;
    expect(acceptedAtPause).toBe(100); // the hung batch; nothing after the pause
    expect((await getCampaign(db(), c.id)).status).toBe("paused");

    fake.state.hang = "none";
    await transitionCampaign(db(), c.id, "resume", { source: "app" });
    await advance(31_000);
    const rest = await sendRun(t.services, transport, c.id, runId!, { workerId: "w2" });
    expect(rest.outcome).toBe("completed");
    expect(fake.state.accepted).toHaveLength(250);
    expect(fake.duplicates()).toBe(0);
    expect(await emailStatuses(t.services, runId!)).toEqual({ sent: 250 });
  });
});
