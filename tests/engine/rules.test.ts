import { sql } from "drizzle-orm";
import { describe, expect, it } from "vitest";
import { verifyCounters } from "../../server/counters/verify";
import { transitionCampaign } from "../../server/campaigns/lifecycle";
import { createSender } from "../../server/senders/identities";
import { outboxTransport } from "../../server/sending/outbox-transport";
import { sendRun } from "../../server/sending/send-run";
import { useTestDatabase } from "../helpers/db";
import { campaignFactory, emailStatuses } from "../helpers/engine";

const t = useTestDatabase();
const send = (campaignId: number, runId: number) => sendRun(t.services, outboxTransport, campaignId, runId, { workerId: "w" });

describe("sending rules", () => {
  it("an address suppressed after the run started is skipped, never sent", async () => {
    const c = await campaignFactory(t.services, { recipients: 4 });
    const { runId } = await transitionCampaign(t.services.db, c.id, "start", { source: "app" });
    await t.services.db.execute(sql`insert into suppressions (email, reason) values (${c.audience.emails[1]!.toUpperCase()}, 'unsubscribed')`);
    const result = await send(c.id, runId!);
    expect(result).toMatchObject({ outcome: "completed", sent: 3, skipped: 1 });
    const [outbox] = await t.services.db.execute<{ n: number }>(sql`select count(*)::int as n from outbox_messages where to_address = ${c.audience.emails[1]!}`);
    expect(outbox!.n).toBe(0);
    const [recipient] = await t.services.db.execute<{ status: string }>(sql`select status from run_recipients where run_id = ${runId} and email = ${c.audience.emails[1]!}`);
    expect(recipient!.status).toBe("skipped");
  });

  it("a recipient who replied gets no further steps that stop on reply", async () => {
    const c = await campaignFactory(t.services, { recipients: 2, steps: [{ delayMinutes: 0 }, { delayMinutes: 0, stopOnReply: true }] });
    const { runId } = await transitionCampaign(t.services.db, c.id, "start", { source: "app" });
    await t.services.db.execute(sql`update run_recipients set replied_at = now() where run_id = ${runId} and email = ${c.audience.emails[0]!}`);
    await send(c.id, runId!);
    const rows = await t.services.db.execute<{ email: string; step_number: number; status: string }>(sql`
      select r.email, e.step_number, e.status from scheduled_emails e join run_recipients r on r.id = e.recipient_id where e.run_id = ${runId} order by r.email, e.step_number`);
    const replied = rows.filter((r) => r.email === c.audience.emails[0]).map((r) => r.status);
    const other = rows.filter((r) => r.email === c.audience.emails[1]).map((r) => r.status);
    expect(replied).toEqual(["skipped", "skipped"]);
    expect(other).toEqual(["sent", "sent"]);
  });

  it("emails wait for the sending window in the recipient's time zone, else the campaign's", async () => {
    const [row] = await t.services.db.execute<{ berlin: string; tokyo: string; inside: string }>(sql`
      select
        herald_next_send_time('2026-11-27 18:30:00+00', 'Europe/Berlin', '{1,2,3,4,5}', 9, 17) as berlin,
        herald_next_send_time('2026-11-27 18:30:00+00', 'Asia/Tokyo', '{1,2,3,4,5,6}', 9, 17) as tokyo,
        herald_next_send_time('2026-11-24 10:00:00+00', 'Europe/Berlin', '{1,2,3,4,5}', 9, 17) as inside`);
    // Friday 19:30 in Berlin: next window is Monday 09:00 Berlin = 08:00 UTC.
    expect(new Date(row!.berlin).toISOString()).toBe("2026-11-30T08:00:00.000Z");
    // Saturday 03:30 in Tokyo, Saturday allowed: 09:00 Tokyo the same day = 00:00 UTC.
    expect(new Date(row!.tokyo).toISOString()).toBe("2026-11-28T00:00:00.000Z");
    expect(new Date(row!.inside).toISOString()).toBe("2026-11-24T10:00:00.000Z");

    const c = await campaignFactory(t.services, { recipients: 1, settings: { timeZone: "America/New_York", windowDays: [1], windowStartHour: 9, windowEndHour: 10, startAt: new Date("2030-01-01T12:00:00Z") } });
    const { runId } = await transitionCampaign(t.services.db, c.id, "start", { source: "app" });
    const [email] = await t.services.db.execute<{ scheduled_for: string }>(sql`select scheduled_for from scheduled_emails where run_id = ${runId}`);
    // 2030-01-01 is a Tuesday; the next Monday 09:00 in New York is 2030-01-07 14:00 UTC.
    expect(new Date(email!.scheduled_for).toISOString()).toBe("2030-01-07T14:00:00.000Z");
  });

  it("a campaign with a future start is scheduled, sends nothing early, and turns running when its time comes", async () => {
    const c = await campaignFactory(t.services, { recipients: 2, settings: { startAt: new Date(Date.now() + 3_600_000) } });
    const { runId } = await transitionCampaign(t.services.db, c.id, "start", { source: "app" });
    const early = await send(c.id, runId!);
    expect(early).toMatchObject({ outcome: "idle", sent: 0 });
    const [campaign] = await t.services.db.execute<{ status: string }>(sql`select status from campaigns where id = ${c.id}`);
    expect(campaign!.status).toBe("scheduled");
    await t.services.db.execute(sql`update scheduled_emails set scheduled_for = now() where run_id = ${runId}`);
    expect(await send(c.id, runId!)).toMatchObject({ outcome: "completed", sent: 2 });
  });

  it("rotates across sender identities and holds each one's daily cap", async () => {
    const a = await createSender(t.services.db, { fromEmail: "a@herald.test", dailyCap: 3 });
    const b = await createSender(t.services.db, { fromEmail: "b@herald.test", dailyCap: 2 });
    const c = await campaignFactory(t.services, { recipients: 8, settings: { senderIds: [a.id, b.id] } });
    const { runId } = await transitionCampaign(t.services.db, c.id, "start", { source: "app" });
    const result = await send(c.id, runId!);
    expect(result).toMatchObject({ outcome: "idle", sent: 5 });
    const froms = await t.services.db.execute<{ from_address: string; n: number }>(sql`select from_address, count(*)::int as n from outbox_messages where campaign_id = ${c.id} group by 1 order by 1`);
    // The identity gives the address, the campaign form the name (decision 019).
    expect(froms).toEqual([{ from_address: "Herald Test <a@herald.test>", n: 3 }, { from_address: "Herald Test <b@herald.test>", n: 2 }]);
    const statuses = await emailStatuses(t.services, runId!);
    expect(statuses).toEqual({ sent: 5, pending: 3 });
    const [next] = await t.services.db.execute<{ at: string }>(sql`select min(scheduled_for) as at from scheduled_emails where run_id = ${runId} and status = 'pending'`);
    expect(new Date(next!.at).getUTCHours()).toBe(0); // tomorrow, UTC midnight
  });

  it("holds the campaign's throttle", async () => {
    await t.services.db.execute(sql`delete from rate_limits`);
    const c = await campaignFactory(t.services, { recipients: 30, settings: { throttlePerMinute: 600 } }); // 10 a second
    const { runId } = await transitionCampaign(t.services.db, c.id, "start", { source: "app" });
    const started = Date.now();
    const result = await send(c.id, runId!);
    // 30 emails at 10/s: batches of 10, the first at once, the next two a second apart.
    expect(result).toMatchObject({ sent: 30, batches: 3 });
    expect(Date.now() - started).toBeGreaterThan(1800);
  });
});

describe("verify-counters", () => {
  it("finds no drift after real sending, reports drift that was introduced, and --fix repairs it", async () => {
    const c = await campaignFactory(t.services, { recipients: 12 });
    const { runId } = await transitionCampaign(t.services.db, c.id, "start", { source: "app" });
    await send(c.id, runId!);
    const clean = await verifyCounters(t.services.db);
    expect(clean.drift.filter((d) => d.campaignId === c.id)).toEqual([]);

    await t.services.db.execute(sql`update campaign_runs set sent = sent + 3 where id = ${runId}`);
    await t.services.db.execute(sql`update campaigns set failed = 7 where id = ${c.id}`);
    const dirty = await verifyCounters(t.services.db);
    const mine = dirty.drift.filter((d) => d.campaignId === c.id);
    expect(mine).toEqual(expect.arrayContaining([
      expect.objectContaining({ scope: "run", runNumber: 1, counter: "sent", stored: 15, actual: 12 }),
      expect.objectContaining({ scope: "campaign", counter: "failed", stored: 7, actual: 0 }),
    ]));
    await verifyCounters(t.services.db, { fix: true });
    expect((await verifyCounters(t.services.db)).drift).toEqual([]);
  });

  it("does not check runs older than the event retention against the log, but still checks their campaign's lifetime totals", async () => {
    const c = await campaignFactory(t.services, { recipients: 3 });
    const { runId } = await transitionCampaign(t.services.db, c.id, "start", { source: "app" });
    await send(c.id, runId!);
    // Three years later: the run's event partitions were dropped by retention.
    await t.services.db.execute(sql`update campaign_runs set started_at = now() - interval '3 years' where id = ${runId}`);
    await t.services.db.execute(sql`delete from email_events where run_id = ${runId}`);
    const result = await verifyCounters(t.services.db, { retentionMonths: 24 });
    expect(result.runsPastRetention).toBeGreaterThanOrEqual(1);
    expect(result.drift.filter((d) => d.campaignId === c.id)).toEqual([]);
    await t.services.db.execute(sql`update campaigns set sent = sent + 1 where id = ${c.id}`);
    const lifetime = await verifyCounters(t.services.db, { retentionMonths: 24 });
    expect(lifetime.drift).toEqual([expect.objectContaining({ scope: "campaign", campaignId: c.id, counter: "sent", stored: 4, actual: 3 })]);
    await verifyCounters(t.services.db, { fix: true });
  });
});
