import { sql } from "drizzle-orm";
import { describe, expect, it } from "vitest";
import { getCampaign, updateCampaign } from "../../server/campaigns/campaigns";
import { transitionCampaign } from "../../server/campaigns/lifecycle";
import { outboxTransport } from "../../server/sending/outbox-transport";
import { sendRun } from "../../server/sending/send-run";
import type { Transport } from "../../server/sending/transport";
import { markReplied } from "../../server/tracking/replies";
import { signToken } from "../../server/tracking/tokens";
import { unsubscribe } from "../../server/tracking/unsubscribe";
import { useTestDatabase } from "../helpers/db";
import { campaignFactory, emailStatuses } from "../helpers/engine";

const t = useTestDatabase();

const outboxCount = async (campaignId: number) => {
  const [row] = await t.services.db.execute<{ n: number; people: number }>(sql`
    select count(*)::int as n, count(distinct to_address)::int as people from outbox_messages where campaign_id = ${campaignId}`);
  return row!;
};

/** A message already in the outbox for the run's email at `offset` (in id order): its batch's insert is refused. */
const strayMessage = async (campaignId: number, runId: number, offset: number) => {
  const [one] = await t.services.db.execute<{ id: number }>(sql`select id from scheduled_emails where run_id = ${runId} order by id limit 1 offset ${offset}`);
  await t.services.db.execute(sql`
    insert into outbox_messages (campaign_id, scheduled_email_id, provider_message_id, from_address, to_address, subject, html, text, headers)
    values (${campaignId}, ${one!.id}, 'outbox-stray', 'a@b.test', 'c@d.test', 's', 'h', 't', '{}')`);
  return one!.id;
};

describe("the outbox: claim, write and record in one transaction (decision 022)", () => {
  it("a worker that dies inside a batch leaves nothing of it: its emails are pending again, no message, no count; the next worker sends each once", async () => {
    const c = await campaignFactory(t.services, { recipients: 250 });
    const { runId } = await transitionCampaign(t.services.db, c.id, "start", { source: "app" });
    let batches = 0;
    const dying: Transport = {
      ...outboxTransport,
      async send(emails, options) {
        const stored = await outboxTransport.send(emails, options);
        if (++batches === 2) throw new Error("worker killed after writing the messages, before commit");
        return stored;
      },
    };
    await expect(sendRun(t.services, dying, c.id, runId!, { workerId: "doomed" })).rejects.toThrow("worker killed");
    expect(await emailStatuses(t.services, runId!)).toEqual({ sent: 100, pending: 150 });
    expect(await outboxCount(c.id)).toEqual({ n: 100, people: 100 });
    expect((await getCampaign(t.services.db, c.id)).currentRun).toMatchObject({ sent: 100 });

    // No lease to wait out: another worker goes on at once.
    const lane = await sendRun(t.services, outboxTransport, c.id, runId!, { workerId: "next" });
    expect(lane).toMatchObject({ outcome: "completed", sent: 150 });
    expect(await outboxCount(c.id)).toEqual({ n: 250, people: 250 });
    const { currentRun, ...campaign } = await getCampaign(t.services.db, c.id);
    expect(currentRun).toMatchObject({ status: "COMPLETED", sent: 250, failed: 0 });
    expect(campaign).toMatchObject({ status: "completed", sent: 250 });
    const [events] = await t.services.db.execute<{ n: number }>(sql`select count(*)::int as n from email_events where campaign_id = ${c.id} and type = 'sent'`);
    expect(events!.n).toBe(250);
  });

  it("a batch whose statement fails in the database commits nothing of it, though its COMMIT was already sent behind it (decision 028)", async () => {
    const c = await campaignFactory(t.services, { recipients: 30 });
    const { runId } = await transitionCampaign(t.services.db, c.id, "start", { source: "app" });
    // A message already in the outbox for one pending email: the insert refuses the batch (its unique key) after the
    // claim, and the recording and the COMMIT are on the wire behind it.
    await strayMessage(c.id, runId!, 7);
    await expect(sendRun(t.services, outboxTransport, c.id, runId!, { workerId: "first" })).rejects.toThrow(/duplicate key value violates unique constraint/);
    expect(await emailStatuses(t.services, runId!)).toEqual({ pending: 30 });
    expect(await outboxCount(c.id)).toEqual({ n: 1, people: 1 });
    const { currentRun } = await getCampaign(t.services.db, c.id);
    expect(currentRun).toMatchObject({ sent: 0, failed: 0 });
    const [events] = await t.services.db.execute<{ n: number }>(sql`select count(*)::int as n from email_events where campaign_id = ${c.id}`);
    expect(events!.n).toBe(0);

    await t.services.db.execute(sql`delete from outbox_messages where provider_message_id = 'outbox-stray'`);
    expect(await sendRun(t.services, outboxTransport, c.id, runId!, { workerId: "second" })).toMatchObject({ outcome: "completed", sent: 30 });
    expect(await outboxCount(c.id)).toEqual({ n: 30, people: 30 });
    expect((await getCampaign(t.services.db, c.id)).currentRun).toMatchObject({ status: "COMPLETED", sent: 30 });
  });

  it("a lane claims its next batch while the last one commits (decision 052); a batch failing in the middle leaves the others whole and every count exact", async () => {
    const c = await campaignFactory(t.services, { recipients: 450 });
    const { runId } = await transitionCampaign(t.services.db, c.id, "start", { source: "app" });
    // The 150th email already has a message: the second batch fails at its insert, after the third may have been claimed.
    const stray = await strayMessage(c.id, runId!, 149);
    const progress: number[] = [];
    await expect(sendRun(t.services, outboxTransport, c.id, runId!, { workerId: "first", onBatch: (p) => progress.push(p.sent) })).rejects.toThrow(/duplicate key/);
    const statuses = await emailStatuses(t.services, runId!);
    // Whole batches only: the first, and the third if it was claimed while the second committed; never any of the second.
    expect([100, 200]).toContain(statuses.sent);
    expect(statuses).toEqual({ sent: statuses.sent, pending: 450 - statuses.sent! });
    const [held] = await t.services.db.execute<{ status: string }>(sql`select status from scheduled_emails where id = ${stray}`);
    expect(held!.status).toBe("pending");
    expect(await outboxCount(c.id)).toEqual({ n: statuses.sent! + 1, people: statuses.sent! + 1 });
    expect((await getCampaign(t.services.db, c.id)).currentRun).toMatchObject({ sent: statuses.sent, failed: 0 });
    expect(progress.at(-1)).toBe(statuses.sent);

    await t.services.db.execute(sql`delete from outbox_messages where provider_message_id = 'outbox-stray'`);
    const lane = await sendRun(t.services, outboxTransport, c.id, runId!, { workerId: "second" });
    expect(lane).toMatchObject({ outcome: "completed", sent: 450 - statuses.sent! });
    expect(await outboxCount(c.id)).toEqual({ n: 450, people: 450 });
    const [events] = await t.services.db.execute<{ n: number }>(sql`select count(*)::int as n from email_events where campaign_id = ${c.id} and type = 'sent'`);
    expect(events!.n).toBe(450);
    expect((await getCampaign(t.services.db, c.id)).currentRun).toMatchObject({ status: "COMPLETED", sent: 450 });
  });

  it("while a lane's batch commits, its next batch is already claimed on another connection", async () => {
    const c = await campaignFactory(t.services, { recipients: 300 });
    const { runId } = await transitionCampaign(t.services.db, c.id, "start", { source: "app" });
    // Each batch's recording waits 300 ms inside PostgreSQL (a trigger on its events), so a batch is still committing
    // when the lane's next claim could start: the next batch's emails are then locked by an open transaction.
    await t.services.db.execute(sql.raw(`
      create function pg_temp_slow() returns trigger language plpgsql as $$ begin perform pg_sleep(0.3); return null; end $$;
      create trigger slow_events after insert on email_events for each statement execute function pg_temp_slow()`));
    try {
      let overlapped = 0;
      const lane = sendRun(t.services, outboxTransport, c.id, runId!, { workerId: "deep" });
      for (let i = 0; i < 20; i++) {
        await new Promise((r) => setTimeout(r, 50));
        const [open] = await t.services.db.execute<{ n: number }>(sql`
          select count(*)::int as n from pg_stat_activity where datname = current_database() and state in ('active', 'idle in transaction') and xact_start is not null and pid <> pg_backend_pid()
            and backend_type = 'client backend'`);
        if (open!.n >= 2) overlapped++;
      }
      expect(await lane).toMatchObject({ outcome: "completed", sent: 300 });
      expect(overlapped).toBeGreaterThan(0);
    } finally {
      await t.services.db.execute(sql.raw("drop trigger slow_events on email_events; drop function pg_temp_slow()"));
    }
  });

  it("a batch a crashed worker left leased (claimed on the provider path) is taken over by an outbox lane and sent once", async () => {
    const c = await campaignFactory(t.services, { recipients: 150 });
    const { runId } = await transitionCampaign(t.services.db, c.id, "start", { source: "app" });
    const crashing: Transport = {
      ...outboxTransport,
      transactional: false,
      async send() {
        throw new Error("worker killed during the provider call");
      },
    };
    await expect(sendRun(t.services, crashing, c.id, runId!, { workerId: "doomed" })).rejects.toThrow("worker killed");
    expect(await emailStatuses(t.services, runId!)).toEqual({ sending: 100, pending: 50 });
    await t.services.db.execute(sql`update scheduled_emails set locked_until = now() - interval '1 second' where run_id = ${runId} and status = 'sending'`);

    const lane = await sendRun(t.services, outboxTransport, c.id, runId!, { workerId: "next" });
    expect(lane).toMatchObject({ outcome: "completed", sent: 150 });
    expect(await outboxCount(c.id)).toEqual({ n: 150, people: 150 });
    expect((await getCampaign(t.services.db, c.id)).currentRun).toMatchObject({ status: "COMPLETED", sent: 150 });
  });

  it("a suppressed address and a sender's daily cap are honoured on the one-transaction path", async () => {
    const c = await campaignFactory(t.services, { recipients: 30 });
    const [first] = await t.services.db.execute<{ email: string }>(sql`
      select l.email from leads l join list_members m on m.lead_id = l.id join campaign_lists cl on cl.list_id = m.list_id where cl.campaign_id = ${c.id} order by l.id limit 1`);
    const [sender] = await t.services.db.execute<{ id: number }>(sql`insert into sender_identities (from_email, from_name, daily_cap) values ('cap@herald.test', 'Capped', 20) returning id`);
    await t.services.db.execute(sql`insert into campaign_senders (campaign_id, sender_id) values (${c.id}, ${sender!.id})`);
    const { runId } = await transitionCampaign(t.services.db, c.id, "start", { source: "app" });
    await t.services.db.execute(sql`insert into suppressions (email, reason) values (${first!.email}, 'manual')`);

    const lane = await sendRun(t.services, outboxTransport, c.id, runId!, { workerId: "w" });
    expect(lane.sent).toBe(20);
    expect(await emailStatuses(t.services, runId!)).toEqual({ sent: 20, pending: 9, skipped: 1 });
    const [row] = await t.services.db.execute<{ n: number; from: string }>(sql`select count(*)::int as n, min(from_address) as from from outbox_messages where campaign_id = ${c.id}`);
    expect(row).toEqual({ n: 20, from: expect.stringContaining("cap@herald.test") });
    // The nine left over wait for tomorrow (UTC), when the identity's cap renews.
    const [wait] = await t.services.db.execute<{ tomorrow: boolean }>(sql`
      select bool_and(scheduled_for >= date_trunc('day', now() at time zone 'UTC') at time zone 'UTC' + interval '1 day') as tomorrow
      from scheduled_emails where run_id = ${runId} and status = 'pending'`);
    expect(wait!.tomorrow).toBe(true);
  });

  it("a reply and an unsubscribe that arrive while the recipient's email is in a batch finish at once, without a deadlock; the email in flight goes", async () => {
    const c = await campaignFactory(t.services, { recipients: 3 });
    const { runId } = await transitionCampaign(t.services.db, c.id, "start", { source: "app" });
    const emails = await t.services.db.execute<{ id: number; email: string }>(sql`
      select e.id, r.email from scheduled_emails e join run_recipients r on r.campaign_id = e.campaign_id and r.id = e.recipient_id
      where e.run_id = ${runId} order by e.id`);
    let arrivals: Promise<unknown> | undefined;
    const slow: Transport = {
      ...outboxTransport,
      async send(batch, options) {
        // Inside the batch's transaction, its emails locked: the reader replies, another reader unsubscribes.
        arrivals = Promise.all([
          markReplied(t.services.db, c.id, emails[0]!.email, "test"),
          unsubscribe(t.services.db, t.services.secret, signToken(t.services.secret, { purpose: "u", campaignId: c.id, scheduledEmailId: emails[1]!.id })),
        ]);
        // Longer than PostgreSQL's deadlock_timeout (1 s): a lock cycle would be detected and one side aborted.
        await Promise.race([arrivals, new Promise((r) => setTimeout(r, 1_500))]);
        return outboxTransport.send(batch, options);
      },
    };
    const lane = await sendRun(t.services, slow, c.id, runId!, { workerId: "w" });
    const [replied, unsubscribed] = (await arrivals) as [{ first: boolean }, { ok: boolean }];
    expect(replied.first).toBe(true);
    expect(unsubscribed.ok).toBe(true);
    expect(lane).toMatchObject({ outcome: "completed", sent: 3 });
    expect(await outboxCount(c.id)).toEqual({ n: 3, people: 3 });
    const { currentRun } = await getCampaign(t.services.db, c.id);
    expect(currentRun).toMatchObject({ status: "COMPLETED", sent: 3, replied: 1, unsubscribed: 1 });
  });

  it("a new sending window applied to the running run while a batch is out finishes at once, without a deadlock; the rest is moved into the window", async () => {
    const c = await campaignFactory(t.services, { recipients: 150, settings: { throttlePerMinute: 6_000 } });
    const { runId } = await transitionCampaign(t.services.db, c.id, "start", { source: "app" });
    const campaign = await getCampaign(t.services.db, c.id);
    const settings = {
      name: campaign.name, kind: campaign.kind, fromName: campaign.fromName, fromEmail: campaign.fromEmail, timeZone: "UTC",
      listIds: campaign.audience.map((l) => l.id), steps: campaign.steps.map((s) => ({ templateId: s.templateId, delayMinutes: s.delayMinutes, stopOnReply: s.stopOnReply })),
      throttlePerMinute: campaign.throttlePerMinute,
    };
    // A one-hour window three hours from now: nothing that waits is due any more.
    const hour = (new Date().getUTCHours() + 3) % 24;
    let edit: Promise<{ applied: string[] }> | undefined;
    const slow: Transport = {
      ...outboxTransport,
      async send(batch, options) {
        edit ??= updateCampaign(t.services.db, c.id, { ...settings, windowStartHour: Math.min(hour, 22), windowEndHour: Math.min(hour, 22) + 1 }, undefined, { applyToCurrentRun: true });
        await Promise.race([edit, new Promise((r) => setTimeout(r, 1_500))]);
        return outboxTransport.send(batch, options);
      },
    };
    const lane = await sendRun(t.services, slow, c.id, runId!, { workerId: "w" });
    expect((await edit!).applied.join(" ")).toContain("50 waiting emails were moved into it");
    // The batch in flight went; the other 50 wait for the window.
    expect(lane.sent).toBe(100);
    expect(await emailStatuses(t.services, runId!)).toEqual({ sent: 100, pending: 50 });
  });
});
