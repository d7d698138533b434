import { randomBytes } from "node:crypto";
import { sql } from "drizzle-orm";
import postgres from "postgres";
import { afterAll, beforeAll, beforeEach, describe, expect, it } from "vitest";
import { createDb } from "../../db/client";
import { transitionCampaign } from "../../server/campaigns/lifecycle";
import { verifyCounters } from "../../server/counters/verify";
import { runTimeline } from "../../server/runs/waiting";
import { createSender } from "../../server/senders/identities";
import { CAP_NOTES } from "../../server/sending/batch";
import { outboxTransport } from "../../server/sending/outbox-transport";
import { resendTransport } from "../../server/sending/resend-transport";
import { sendRun, type LaneResult } from "../../server/sending/send-run";
import type { Transport } from "../../server/sending/transport";
import type { Services } from "../../server/services";
import { startResendFake } from "../fakes/resend";
import { useTestDatabase } from "../helpers/db";
import { campaignFactory, emailStatuses } from "../helpers/engine";

/**
 * An email sender identity's daily cap holds whatever the concurrency
 * (decision 039): two lanes, two workers, or two campaigns sharing the
 * identity, sending through the outbox or through Resend (the local fake the
 * real SDK talks to), never send more than the cap in a UTC day; emails of a
 * Resend batch claimed and not yet recorded count as in flight, a crashed
 * batch's retake counts each email once, and what no identity can take waits
 * for tomorrow with its reason (never dropped).
 */
const BATCH = 20;
const t = useTestDatabase({ SEND_BATCH_SIZE: String(BATCH), RESEND_RPS: "50" });
const db = () => t.services.db;
const unique = () => randomBytes(3).toString("hex");
let fake: Awaited<ReturnType<typeof startResendFake>>;
let resend: Transport;
/** A second worker: its own process in production, here its own connection pool. */
let other: Services;
let closeOther = async () => {};
let raw: postgres.Sql;

beforeAll(async () => {
  fake = await startResendFake({ rps: 50 });
  resend = resendTransport(fake.apiKey, fake.url);
  const second = createDb(t.url, { max: 8, applicationName: "herald-second-worker" });
  other = { ...t.services, db: second.db };
  closeOther = second.close;
  raw = postgres(t.url, { max: 2, onnotice: () => {} });
});
afterAll(async () => {
  await fake?.close();
  await closeOther();
  await raw?.end({ timeout: 5 });
});
beforeEach(async () => {
  Object.assign(fake.state, { failNext: [], onAccepted: null, latencyMs: 0, rps: 50 });
  await db().execute(sql`delete from provider_health`);
  await db().execute(sql`delete from rate_limits`);
});

async function identity(dailyCap: number) {
  const fromEmail = `cap-${unique()}@herald.test`;
  const { id } = await createSender(db(), { fromEmail, fromName: "Capped", dailyCap });
  return { id, fromEmail };
}

async function started(recipients: number, senderIds: number[]) {
  const c = await campaignFactory(t.services, { recipients, settings: { senderIds } });
  const { runId } = await transitionCampaign(db(), c.id, "start", { source: "app" });
  return { id: c.id, runId: runId! };
}

/** A lane of `services`' worker, run until its run completes or has nothing due before tomorrow. */
async function sendUntilIdle(services: Services, transport: Transport, c: { id: number; runId: number }, workerId = `lane-${unique()}`): Promise<LaneResult> {
  for (let i = 0; i < 60; i++) {
    const result = await sendRun(services, transport, c.id, c.runId, { workerId });
    if (["completed", "idle", "stopped", "failed"].includes(result.outcome)) return result;
    // Waiting for a rate-limit slot or a retake: briefly.
    await new Promise((r) => setTimeout(r, Math.min(500, Math.max(20, (result.nextAt?.getTime() ?? Date.now()) - Date.now()))));
  }
  throw new Error("the run neither completed nor went idle");
}

const usageToday = async (senderId: number) => {
  const [row] = await db().execute<{ sent: number }>(sql`select coalesce(sum(sent), 0)::int as sent from sender_daily_usage where sender_id = ${senderId} and day = (now() at time zone 'UTC')::date`);
  return row!.sent;
};
/** Messages in the outbox from this identity's address. */
const outboxFrom = async (fromEmail: string) => {
  const [row] = await db().execute<{ n: number }>(sql`select count(*)::int as n from outbox_messages where from_address like ${`%<${fromEmail}>`}`);
  return row!.n;
};
/** Emails Resend accepted from this identity's address (a retake with the same key is answered, not accepted again). */
const resendFrom = (fromEmail: string) => fake.state.accepted.filter((e) => e.from.endsWith(`<${fromEmail}>`)).length;

/** The rest of the run waits for tomorrow (UTC midnight), saying why on the run page. */
async function expectWaitingForTomorrow(c: { id: number; runId: number }, count: number) {
  const waiting = await db().execute<{ recipient_id: number; scheduled_for: string; error: string }>(sql`
    select recipient_id, scheduled_for, error from scheduled_emails where run_id = ${c.runId} and status = 'pending'`);
  expect(waiting).toHaveLength(count);
  const midnight = new Date();
  midnight.setUTCHours(24, 0, 0, 0);
  expect(new Set(waiting.map((w) => new Date(w.scheduled_for).toISOString()))).toEqual(new Set(count ? [midnight.toISOString()] : []));
  expect(new Set(waiting.map((w) => w.error))).toEqual(new Set(count ? [CAP_NOTES.email] : []));
  if (count) {
    const timeline = await runTimeline(db(), c.id, 1, waiting.slice(0, 3).map((w) => Number(w.recipient_id)));
    expect(timeline.next.map((n) => n.reason)).toEqual(timeline.next.map(() => "sender_cap"));
  }
}

/** Tomorrow comes: today's usage becomes yesterday's, and what waited for tomorrow is due. */
async function nextDay(runIds: number[], senderIds: number[]) {
  await db().execute(sql`update sender_daily_usage set day = day - 1 where sender_id in ${sql.raw(`(${senderIds.join(",")})`)}`);
  await db().execute(sql`update scheduled_emails set scheduled_for = now() where run_id in ${sql.raw(`(${runIds.join(",")})`)} and status = 'pending' and scheduled_for > now()`);
}

/**
 * Holds back every outbox write (a real table lock, from another session)
 * until released: a lane that has claimed and decided its batch stops at its
 * outbox insert, so two lanes are made to decide at the same time.
 */
async function holdOutboxWrites() {
  let release!: () => void;
  const released = new Promise<void>((r) => { release = r; });
  let locked!: () => void;
  const isLocked = new Promise<void>((r) => { locked = r; });
  const holder = raw.begin(async (tx) => {
    await tx`lock table outbox_messages in share mode`;
    locked();
    await released;
  });
  await isLocked;
  return { release: async () => { release(); await holder; } };
}

/**
 * Waits until `n` of the lanes' sessions wait for a lock in the send path's
 * statements: an outbox insert held back by holdOutboxWrites, or a batch
 * waiting for sender identities another batch holds.
 */
async function lanesWaiting(n: number) {
  for (let i = 0; i < 400; i++) {
    const [row] = await raw<Array<{ n: number }>>`
      select count(*)::int as n from pg_stat_activity
      where datname = current_database() and pid <> pg_backend_pid() and wait_event_type = 'Lock'
        and (query ilike '%insert into outbox_messages%' or query ilike '%from sender_identities%for no key update%')`;
    if (row!.n >= n) return;
    await new Promise((r) => setTimeout(r, 25));
  }
  throw new Error(`${n} lanes never waited together`);
}

describe("an email sender identity's daily cap under concurrency, through the outbox", () => {
  it("two lanes of one worker deciding at the same instant send no more than the cap; the rest waits for tomorrow with its reason and goes then", async () => {
    const capped = await identity(30);
    const c = await started(100, [capped.id]);
    const gate = await holdOutboxWrites();
    // Each lane claims a batch of 20 and decides its senders while the other's batch is not committed.
    const lanes = Promise.all([sendUntilIdle(t.services, outboxTransport, c, "lane-a"), sendUntilIdle(t.services, outboxTransport, c, "lane-b")]);
    await lanesWaiting(2);
    await gate.release();
    const [a, b] = await lanes;

    expect(a.sent + b.sent).toBe(30);
    expect(await usageToday(capped.id)).toBe(30);
    expect(await outboxFrom(capped.fromEmail)).toBe(30);
    expect(await emailStatuses(t.services, c.runId)).toEqual({ sent: 30, pending: 70 });
    await expectWaitingForTomorrow(c, 70);
    // Looking again today sends nothing.
    expect(await sendRun(t.services, outboxTransport, c.id, c.runId, { workerId: "again" })).toMatchObject({ outcome: "idle", sent: 0 });

    // Tomorrow: 30 more, again never over the cap, whatever the lanes.
    await nextDay([c.runId], [capped.id]);
    await Promise.all([sendUntilIdle(t.services, outboxTransport, c), sendUntilIdle(other, outboxTransport, c)]);
    expect(await usageToday(capped.id)).toBe(30);
    expect(await emailStatuses(t.services, c.runId)).toEqual({ sent: 60, pending: 40 });
    expect(await outboxFrom(capped.fromEmail)).toBe(60);
    expect((await verifyCounters(db())).drift).toEqual([]);
  });

  it("two workers sending two campaigns that share an identity, deciding at the same instant, send no more than its cap between them", async () => {
    const shared = await identity(25);
    const first = await started(40, [shared.id]);
    const second = await started(40, [shared.id]);
    const gate = await holdOutboxWrites();
    const lanes = Promise.all([sendUntilIdle(t.services, outboxTransport, first), sendUntilIdle(other, outboxTransport, second)]);
    await lanesWaiting(2);
    await gate.release();
    const [a, b] = await lanes;

    expect(a.sent + b.sent).toBe(25);
    expect(await usageToday(shared.id)).toBe(25);
    expect(await outboxFrom(shared.fromEmail)).toBe(25);
    const [s1, s2] = [await emailStatuses(t.services, first.runId), await emailStatuses(t.services, second.runId)];
    expect((s1.sent ?? 0) + (s2.sent ?? 0)).toBe(25);
    expect((s1.pending ?? 0) + (s2.pending ?? 0)).toBe(55);
    await expectWaitingForTomorrow(first, s1.pending ?? 0);
    await expectWaitingForTomorrow(second, s2.pending ?? 0);
    expect((await verifyCounters(db())).drift).toEqual([]);
  });

  it("four lanes over two workers and two campaigns (one with two identities, one sharing one of them) use each cap exactly, never more, with no deadlock", async () => {
    const [shared, own] = [await identity(25), await identity(15)];
    const both = await started(50, [shared.id, own.id]);
    const sharing = await started(30, [shared.id]);
    const results = await Promise.all([
      sendUntilIdle(t.services, outboxTransport, both), sendUntilIdle(other, outboxTransport, both),
      sendUntilIdle(t.services, outboxTransport, sharing), sendUntilIdle(other, outboxTransport, sharing),
    ]);

    // 80 emails due, 40 sends of capacity: every send of it used, none more.
    expect(results.reduce((n, r) => n + r.sent, 0)).toBe(40);
    expect([await usageToday(shared.id), await usageToday(own.id)]).toEqual([25, 15]);
    expect([await outboxFrom(shared.fromEmail), await outboxFrom(own.fromEmail)]).toEqual([25, 15]);
    const [s1, s2] = [await emailStatuses(t.services, both.runId), await emailStatuses(t.services, sharing.runId)];
    expect((s1.sent ?? 0) + (s1.pending ?? 0)).toBe(50);
    expect((s2.sent ?? 0) + (s2.pending ?? 0)).toBe(30);
    await expectWaitingForTomorrow(both, s1.pending ?? 0);
    await expectWaitingForTomorrow(sharing, s2.pending ?? 0);
    expect((await verifyCounters(db())).drift).toEqual([]);
  });
});

describe("an email sender identity's daily cap under concurrency, through Resend", () => {
  it("two workers: a batch handed to Resend and not yet recorded counts against the cap, so the other worker's claim sends only what is left", async () => {
    const capped = await identity(30);
    const c = await started(100, [capped.id]);
    // Each call takes a while: the first batch is in flight (claimed, not recorded) when the other worker claims.
    fake.state.latencyMs = 400;
    const [a, b] = await Promise.all([sendUntilIdle(t.services, resend, c, "worker-a"), sendUntilIdle(other, resend, c, "worker-b")]);

    expect(a.sent + b.sent).toBe(30);
    expect(resendFrom(capped.fromEmail)).toBe(30);
    expect(await usageToday(capped.id)).toBe(30);
    expect(await emailStatuses(t.services, c.runId)).toEqual({ sent: 30, pending: 70 });
    await expectWaitingForTomorrow(c, 70);
    expect(fake.duplicates()).toBe(0);
    expect((await verifyCounters(db())).drift).toEqual([]);
  });

  it("a worker dies mid-batch after Resend accepted it: its emails stay in flight against the cap while another campaign shares the identity, and the retake counts each once", async () => {
    const shared = await identity(30);
    const first = await started(BATCH, [shared.id]);
    const before = fake.state.accepted.length;
    const dying: Transport = { ...resend, async send(emails, options) {
      await resend.send(emails, options);
      throw new Error("SIGKILL after the provider accepted, before the outcome was recorded");
    } };
    await expect(sendRun(t.services, dying, first.id, first.runId, { workerId: "doomed" })).rejects.toThrow("SIGKILL");
    expect(await emailStatuses(t.services, first.runId)).toEqual({ sending: BATCH });
    expect(fake.state.accepted.length - before).toBe(BATCH);

    // Twenty in flight on a cap of thirty: the second campaign sends ten, and ten wait for tomorrow.
    const second = await started(BATCH, [shared.id]);
    expect(await sendUntilIdle(other, resend, second)).toMatchObject({ outcome: "idle", sent: 10 });
    expect(await emailStatuses(t.services, second.runId)).toEqual({ sent: 10, pending: 10 });
    await expectWaitingForTomorrow(second, 10);

    // The lease runs out; another worker retakes the batch with its key: Resend answers it without sending again.
    await db().execute(sql`update scheduled_emails set locked_until = now() - interval '1 second' where run_id = ${first.runId} and status = 'sending'`);
    expect(await sendUntilIdle(other, resend, first, "survivor")).toMatchObject({ outcome: "completed" });
    expect(await emailStatuses(t.services, first.runId)).toEqual({ sent: BATCH });
    // Thirty emails from the identity today, each counted once: exactly its cap.
    expect(resendFrom(shared.fromEmail)).toBe(30);
    expect(fake.duplicates()).toBe(0);
    expect(await usageToday(shared.id)).toBe(30);
    // And it holds: nothing more goes today.
    expect(await sendRun(t.services, resend, second.id, second.runId, { workerId: "later" })).toMatchObject({ outcome: "idle", sent: 0 });
    expect(await usageToday(shared.id)).toBe(30);
    expect((await verifyCounters(db())).drift).toEqual([]);
  });

  it("two workers on two campaigns sharing an identity, Resend slow to answer: never more than the cap between them", async () => {
    const shared = await identity(35);
    const first = await started(40, [shared.id]);
    const second = await started(40, [shared.id]);
    fake.state.latencyMs = 300;
    await Promise.all([
      sendUntilIdle(t.services, resend, first), sendUntilIdle(other, resend, second),
      sendUntilIdle(other, resend, first), sendUntilIdle(t.services, resend, second),
    ]);
    expect(resendFrom(shared.fromEmail)).toBe(35);
    expect(await usageToday(shared.id)).toBe(35);
    const [s1, s2] = [await emailStatuses(t.services, first.runId), await emailStatuses(t.services, second.runId)];
    expect((s1.sent ?? 0) + (s2.sent ?? 0)).toBe(35);
    expect((s1.pending ?? 0) + (s2.pending ?? 0)).toBe(45);
    expect(fake.duplicates()).toBe(0);
    expect((await verifyCounters(db())).drift).toEqual([]);
  });
});
