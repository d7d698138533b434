import { randomBytes } from "node:crypto";
import { sql } from "drizzle-orm";
import { afterAll, beforeAll, beforeEach, describe, expect, it } from "vitest";
import { createCampaign } from "../../server/campaigns/campaigns";
import { transitionCampaign } from "../../server/campaigns/lifecycle";
import { verifyCounters } from "../../server/counters/verify";
import { importLeadsCsv } from "../../server/leads/csv-import";
import { runTimeline } from "../../server/runs/waiting";
import { createSender, createSmsSender, listSenders, seedConfiguredSmsSenders } from "../../server/senders/identities";
import { CAP_NOTES } from "../../server/sending/batch";
import { dryRun } from "../../server/sending/dry-run";
import { outboxTransport } from "../../server/sending/outbox-transport";
import { sendRun, type LaneResult } from "../../server/sending/send-run";
import type { Transport } from "../../server/sending/transport";
import { channelTransport } from "../../server/sms/channel-transport";
import { twilioTransport } from "../../server/sms/twilio-transport";
import { startTwilioFake } from "../fakes/twilio";
import { useTestDatabase } from "../helpers/db";
import { templateFactory } from "../helpers/engine";
import { callerAs } from "../helpers/factories";

/**
 * SMS senders as sender identities with daily caps (decision 045), through
 * the real twilio SDK against the local Twilio fake: texts rotate over a
 * campaign's numbers, a number at its cap is skipped, texts over every cap
 * wait for tomorrow (never dropped, never over a cap), email and SMS caps
 * are apart, and a retake counts a text once.
 */
const ACCOUNT = `AC${"0123456789abcdef".repeat(2)}`;
const TOKEN = "fake_twilio_auth_token_0123456789";
const CONFIGURED = "+15005550006";
const NUMBERS = ["+14155550101", "+14155550102", "+14155550103", "+14155550104", "+14155550105", "+14155550106", "+14155550107", "+14155550108"];
const SERVICE = `MG${"fedcba9876543210".repeat(2)}`;
/** Herald paces each number at the fake's own per-number limit: a 429 means a rate was not applied per chosen number. */
const MPS = 4;
const t = useTestDatabase({ TWILIO_ACCOUNT_SID: ACCOUNT, TWILIO_AUTH_TOKEN: TOKEN, TWILIO_FROM_NUMBERS: CONFIGURED, TWILIO_NUMBER_MPS: String(MPS), TWILIO_ACCOUNT_MPS: "1000" });
let fake: Awaited<ReturnType<typeof startTwilioFake>>;
let transport: Transport;
const db = () => t.services.db;
const unique = () => randomBytes(3).toString("hex");
let nextNumber = 3000;
const phone = () => `+1415555${nextNumber++}`;
let numbersUsed = 0;
/** A Twilio number of the account not used by an earlier test (its usage starts at 0 today). */
const accountNumber = () => NUMBERS[numbersUsed++]!;

beforeAll(async () => {
  fake = await startTwilioFake({ accountSid: ACCOUNT, authToken: TOKEN, numbers: [CONFIGURED, ...NUMBERS], mps: MPS });
  fake.state.callbacks = "manual"; // these tests are about who sends, not what Twilio reports afterwards
  transport = channelTransport(outboxTransport, twilioTransport(db(), { accountSid: ACCOUNT, authToken: TOKEN, baseUrl: fake.url, numberMps: MPS, accountMps: 1000 }));
});
afterAll(() => fake?.close());
beforeEach(async () => {
  Object.assign(fake.state, { failNext: [], dropAfterAccept: 0, onAccepted: null, mps: MPS });
  await db().execute(sql`delete from provider_health`);
  await db().execute(sql`delete from rate_limits`);
});

async function audience(count: number) {
  const phones = Array.from({ length: count }, () => phone());
  const prefix = `s-${unique()}`;
  const report = await importLeadsCsv(db(), ["email,first_name,phone", ...phones.map((p, i) => `${prefix}-${i}@example.com,Name${i},${p}`)].join("\n"), { listName: `senders-${unique()}` });
  expect(report.rejected).toEqual([]);
  return { listId: report.list!.id, phones };
}

async function campaign(listId: number, senderIds: number[], steps: Array<"email" | "sms"> = ["sms"]) {
  const template = steps.includes("email") ? await templateFactory(t.services) : null;
  const c = await createCampaign(db(), {
    name: `senders-${unique()}`, kind: steps.length > 1 ? "sequence" : "broadcast", fromEmail: "team@herald.test", fromName: "Herald", listIds: [listId],
    throttlePerMinute: 1_000_000, senderIds,
    steps: steps.map((channel) => (channel === "email"
      ? { channel, templateId: template!.id, delayMinutes: 0, stopOnReply: true }
      : { channel, smsBody: "Hi {{first_name|there}}, a text from Herald.", delayMinutes: 0, stopOnReply: true })),
  });
  const { runId } = await transitionCampaign(db(), c.id, "start", { source: "app" });
  return { id: c.id, runId: runId! };
}

/** Lanes run until the run completes or has nothing due before tomorrow. */
async function sendUntilIdle(campaignId: number, runId: number): Promise<LaneResult> {
  for (let i = 0; i < 40; i++) {
    const result = await sendRun(t.services, transport, campaignId, runId, { workerId: `lane-${unique()}` });
    if (result.outcome === "completed" || result.outcome === "idle") return result;
    if (result.outcome === "stopped") return result;
    // Waiting for a rate-limit slot or a retake: briefly.
    await new Promise((r) => setTimeout(r, Math.min(1_000, Math.max(50, (result.nextAt?.getTime() ?? Date.now()) - Date.now()))));
  }
  throw new Error("the run neither completed nor went idle");
}

/** Tomorrow comes: today's usage becomes yesterday's, and what waited for tomorrow is due. */
async function nextDay(runIds: number[], senderIds: number[]) {
  await db().execute(sql`update sender_daily_usage set day = day - 1 where sender_id in ${sql.raw(`(${senderIds.join(",")})`)}`);
  await db().execute(sql`update scheduled_emails set scheduled_for = now() where run_id in ${sql.raw(`(${runIds.join(",")})`)} and status = 'pending' and scheduled_for > now()`);
}

const usageToday = async (senderId: number) => {
  const [row] = await db().execute<{ sent: number }>(sql`select coalesce(sum(sent), 0)::int as sent from sender_daily_usage where sender_id = ${senderId} and day = (now() at time zone 'UTC')::date`);
  return row!.sent;
};
const textsFrom = (from: string, since = 0) => fake.state.messages.slice(since).filter((m) => m.from === from || m.messagingServiceSid === from);
const statuses = async (runId: number) => Object.fromEntries((await db().execute<{ status: string; n: number }>(sql`
  select status, count(*)::int as n from scheduled_emails where run_id = ${runId} group by status`)).map((r) => [r.status, r.n]));

describe("SMS senders with daily caps", () => {
  it("texts rotate over the campaign's two numbers, each paced at its own rate; each text's sender is fixed at claim, recorded and counted once", async () => {
    const [a, b] = [accountNumber(), accountNumber()];
    const senderA = await createSmsSender(db(), { sender: a, dailyCap: 100 }, t.services.config);
    const senderB = await createSmsSender(db(), { sender: b, dailyCap: 100 }, t.services.config);
    const { listId, phones } = await audience(12);
    const before = fake.state.messages.length;
    const limited = fake.state.rateLimited;
    const c = await campaign(listId, [senderA.id, senderB.id]);
    expect(await sendUntilIdle(c.id, c.runId)).toMatchObject({ outcome: "completed" });
    expect(await statuses(c.runId)).toEqual({ sent: 12 });

    // Six from each number, none from the configured one: the campaign chose its senders.
    expect(textsFrom(a, before)).toHaveLength(6);
    expect(textsFrom(b, before)).toHaveLength(6);
    expect(fake.state.messages.slice(before).map((m) => m.to).sort()).toEqual([...phones].sort());
    // The fake answers 429 beyond MPS a second per number; Herald paced each chosen number at MPS, so never.
    expect(fake.state.rateLimited).toBe(limited);
    // Each text records the identity it went from, the one Twilio saw.
    const recorded = await db().execute<{ sid: string; sender_id: number }>(sql`select provider_message_id as sid, sender_id from scheduled_emails where run_id = ${c.runId}`);
    const bySid = new Map(fake.state.messages.map((m) => [m.sid, m.from]));
    expect(recorded.every((r) => bySid.get(r.sid) === (Number(r.sender_id) === senderA.id ? a : b))).toBe(true);
    expect([await usageToday(senderA.id), await usageToday(senderB.id)]).toEqual([6, 6]);
    // The Senders page: usage today against the cap.
    const listed = (await listSenders(db(), t.services.config)).filter((s) => s.id === senderA.id || s.id === senderB.id);
    expect(listed.map((s) => [s.address, s.sentToday, s.dailyCap, s.campaigns])).toEqual([[a, 6, 100, 1], [b, 6, 100, 1]]);
    // The run page says which number each recipient's text came from.
    const recipients = (await db().execute<{ id: number }>(sql`select id from run_recipients where run_id = ${c.runId} order by id`)).map((r) => Number(r.id));
    const timeline = await runTimeline(db(), c.id, 1, recipients);
    expect(timeline.sentFrom).toHaveLength(12);
    expect(new Set(timeline.sentFrom.map((f) => `${f.channel} ${f.sender}`))).toEqual(new Set([`sms ${a}`, `sms ${b}`]));
    expect((await verifyCounters(db())).drift).toEqual([]);
  });

  it("a cap reached mid-run: the number at its cap is skipped, then the texts wait for tomorrow with the reason on the run page; none goes over a cap and the rest goes the next day", async () => {
    const [a, b] = [accountNumber(), accountNumber()];
    const senderA = await createSmsSender(db(), { sender: a, dailyCap: 2 }, t.services.config);
    const senderB = await createSmsSender(db(), { sender: b, dailyCap: 4 }, t.services.config);
    const { listId } = await audience(9);
    const before = fake.state.messages.length;
    const c = await campaign(listId, [senderA.id, senderB.id]);

    // Today: 2 from A (its cap), then B alone up to its 4; the other 3 are not dropped, they wait.
    expect(await sendUntilIdle(c.id, c.runId)).toMatchObject({ outcome: "idle" });
    expect([textsFrom(a, before).length, textsFrom(b, before).length]).toEqual([2, 4]);
    expect([await usageToday(senderA.id), await usageToday(senderB.id)]).toEqual([2, 4]);
    expect(await statuses(c.runId)).toEqual({ sent: 6, pending: 3 });
    const waiting = await db().execute<{ recipient_id: number; scheduled_for: string; error: string }>(sql`
      select recipient_id, scheduled_for, error from scheduled_emails where run_id = ${c.runId} and status = 'pending'`);
    const midnight = new Date(); midnight.setUTCHours(24, 0, 0, 0);
    expect(waiting.map((w) => new Date(w.scheduled_for).toISOString())).toEqual(waiting.map(() => midnight.toISOString()));
    const timeline = await runTimeline(db(), c.id, 1, waiting.map((w) => Number(w.recipient_id)));
    expect(timeline.next.map((n) => [n.reason, n.explanation])).toEqual(waiting.map(() => ["sender_cap", `Step 1 waits: ${CAP_NOTES.sms}.`]));
    // A lane that looks again today finds nothing to send: the caps hold.
    expect(await sendRun(t.services, transport, c.id, c.runId, { workerId: "again" })).toMatchObject({ outcome: "idle", sent: 0 });

    // Tomorrow the caps renew: the three go, rotated again, each number within its cap.
    await nextDay([c.runId], [senderA.id, senderB.id]);
    expect(await sendUntilIdle(c.id, c.runId)).toMatchObject({ outcome: "completed" });
    expect(await statuses(c.runId)).toEqual({ sent: 9 });
    expect(await usageToday(senderA.id)).toBeLessThanOrEqual(2);
    expect(await usageToday(senderB.id)).toBeLessThanOrEqual(4);
    expect((await usageToday(senderA.id)) + (await usageToday(senderB.id))).toBe(3);
    expect(fake.state.messages.length - before).toBe(9);
    expect(fake.duplicates(before)).toBe(0);
    expect((await verifyCounters(db())).drift).toEqual([]);
  });

  it("email and SMS senders of one campaign have separate caps: emails do not use the number's capacity and texts do not use the address's", async () => {
    const a = accountNumber();
    const mail = await createSender(db(), { fromEmail: `mail-${unique()}@herald.test`, fromName: "Mail", dailyCap: 3 });
    const number = await createSmsSender(db(), { sender: a, dailyCap: 2 }, t.services.config);
    const { listId } = await audience(4);
    const before = fake.state.messages.length;
    // Step 1 an email, step 2 a text (each recipient's text waits for their email).
    const c = await campaign(listId, [mail.id, number.id], ["email", "sms"]);
    expect(await sendUntilIdle(c.id, c.runId)).toMatchObject({ outcome: "idle" });

    // 3 emails from the address (its cap), 2 texts from the number (its cap): neither counted the other channel.
    const [emails] = await db().execute<{ n: number; from: string }>(sql`select count(*)::int as n, min(from_address) as from from outbox_messages where campaign_id = ${c.id} and channel = 'email'`);
    expect(emails).toEqual({ n: 3, from: `Herald <${mail.fromEmail}>` });
    expect(textsFrom(a, before)).toHaveLength(2);
    expect([await usageToday(mail.id), await usageToday(number.id)]).toEqual([3, 2]);
    const steps = await db().execute<{ step_number: number; status: string; n: number }>(sql`
      select step_number, status, count(*)::int as n from scheduled_emails where run_id = ${c.runId} group by 1, 2 order by 1, 2`);
    expect(steps).toEqual([
      { step_number: 1, status: "pending", n: 1 }, { step_number: 1, status: "sent", n: 3 },
      { step_number: 2, status: "pending", n: 2 }, { step_number: 2, status: "sent", n: 2 },
    ]);
    // Each waits with its own channel's reason.
    const notes = await db().execute<{ step_number: number; error: string }>(sql`select distinct step_number, error from scheduled_emails e where run_id = ${c.runId} and status = 'pending' and error is not null order by 1`);
    expect(notes).toEqual([{ step_number: 1, error: CAP_NOTES.email }, { step_number: 2, error: CAP_NOTES.sms }]);
  });

  it("texts in flight count against the cap: a second campaign sharing a number while a batch is out sends only what is left; the retake counts each text once", async () => {
    const a = accountNumber();
    const shared = await createSmsSender(db(), { sender: a, dailyCap: 10 }, t.services.config);
    const first = await audience(6);
    const second = await audience(6);
    const before = fake.state.messages.length;
    const c1 = await campaign(first.listId, [shared.id]);
    // The worker dies after Twilio accepted the third text: its batch of six stays out, waiting for a retake.
    fake.state.onAccepted = () => { if (fake.state.messages.length - before === 3) fake.state.dropAfterAccept = 1; };
    const dying: Transport = { ...transport, async send(messages, options) {
      try {
        return await transport.send(messages, options);
      } catch {
        throw new Error("SIGKILL while a request was in flight");
      }
    } };
    await expect(sendRun(t.services, dying, c1.id, c1.runId, { workerId: "doomed" })).rejects.toThrow("SIGKILL");
    fake.state.onAccepted = null;
    expect(await statuses(c1.runId)).toEqual({ sending: 6 });

    // Six in flight on a cap of ten: the second campaign sends four, and two wait for tomorrow.
    const c2 = await campaign(second.listId, [shared.id]);
    expect(await sendUntilIdle(c2.id, c2.runId)).toMatchObject({ outcome: "idle" });
    expect(await statuses(c2.runId)).toEqual({ sent: 4, pending: 2 });

    // The first campaign's batch is retaken (its lease ran out): the texts Twilio had are not sent again, the rest go.
    await db().execute(sql`update scheduled_emails set locked_until = now() - interval '1 second' where run_id = ${c1.runId} and status = 'sending'`);
    await db().execute(sql`update sms_messages set handed_at = handed_at - interval '31 seconds' where run_id = ${c1.runId} and sid is null`);
    expect(await sendUntilIdle(c1.id, c1.runId)).toMatchObject({ outcome: "completed" });
    expect(await statuses(c1.runId)).toEqual({ sent: 6 });
    // Ten texts from the number today, counted once each: exactly its cap, never over it.
    expect(textsFrom(a, before)).toHaveLength(10);
    expect(fake.duplicates(before)).toBe(0);
    expect(await usageToday(shared.id)).toBe(10);
    expect((await verifyCounters(db())).drift).toEqual([]);
  });

  it("a Messaging Service is a sender too; a campaign that chooses no SMS sender texts from the configured ones, seeded as identities with caps", async () => {
    const service = await createSmsSender(db(), { sender: SERVICE, dailyCap: 5 }, t.services.config);
    const { listId: l1 } = await audience(2);
    const before = fake.state.messages.length;
    const viaService = await campaign(l1, [service.id]);
    await sendUntilIdle(viaService.id, viaService.runId);
    expect(fake.state.messages.slice(before).map((m) => m.messagingServiceSid)).toEqual([SERVICE, SERVICE]);
    expect(await usageToday(service.id)).toBe(2);

    // The configured number, seeded as at `herald start` with what it can send in a day at TWILIO_NUMBER_MPS.
    expect(await seedConfiguredSmsSenders(db(), t.services.config)).toBe(1);
    expect(await seedConfiguredSmsSenders(db(), t.services.config)).toBe(0);
    const configured = (await listSenders(db(), t.services.config)).find((s) => s.address === CONFIGURED)!;
    expect(configured).toMatchObject({ channel: "sms", configured: true, dailyCap: MPS * 86_400, sentToday: 0 });
    const { listId: l2 } = await audience(3);
    const since = fake.state.messages.length;
    const unchosen = await campaign(l2, []);
    await sendUntilIdle(unchosen.id, unchosen.runId);
    expect(fake.state.messages.slice(since).map((m) => m.from)).toEqual([CONFIGURED, CONFIGURED, CONFIGURED]);
    expect(await usageToday(configured.id)).toBe(3);
  });
});

describe("herald run --dry-run", () => {
  it("shows which number the texts would go from and how many would wait for the daily cap, and changes nothing", async () => {
    const a = accountNumber();
    const sender = await createSmsSender(db(), { sender: a, dailyCap: 1 }, t.services.config);
    const { listId } = await audience(3);
    const draft = await createCampaign(db(), {
      name: `dry-${unique()}`, kind: "broadcast", fromEmail: "team@herald.test", listIds: [listId], senderIds: [sender.id],
      steps: [{ channel: "sms", smsBody: "Hi {{first_name|there}}", delayMinutes: 0 }],
    });
    const preview = await dryRun(t.services, draft.id);
    expect(preview.sms).toMatchObject({ texts: 1, overCap: 2 });
    expect(preview.sms.samples.map((m) => m.from)).toEqual([a]);
    expect(await usageToday(sender.id)).toBe(0);
    const [c] = await db().execute<{ status: string }>(sql`select status from campaigns where id = ${draft.id}`);
    expect(c!.status).toBe("draft");
  });
});

describe("adding an SMS sender", () => {
  it("refuses a bad number, a bad Messaging Service SID, a bad cap and a duplicate with a sentence, and stores nothing for them; viewers may not add one", async () => {
    const editor = await callerAs(t.services, "editor");
    const refused = async (input: { sender: string; dailyCap?: number }) => {
      const error = await editor.senders.createSms(input).then(() => null, (e: Error) => e.message);
      expect(error).not.toBeNull();
      return error;
    };
    const count = async () => (await db().execute<{ n: number }>(sql`select count(*)::int as n from sender_identities where channel = 'sms'`))[0]!.n;
    const stored = await count();
    expect(await refused({ sender: "+1 555 0000" })).toBe('The sender number "+1 555 0000" is not a valid phone number for +1. Enter a Twilio number in international form (+14155550100) or a Messaging Service SID (MG…).');
    expect(await refused({ sender: "call me" })).toContain('"call me" is not a phone number');
    expect(await refused({ sender: "415 555 0199" })).toContain("has no country code");
    expect(await refused({ sender: "MG123" })).toBe('"MG123" is not a Messaging Service SID: it is MG followed by 32 hexadecimal characters, as Twilio\'s console shows it.');
    expect(await refused({ sender: "+14155550199", dailyCap: 0 })).toContain("A daily cap is at least 1 message");
    expect(await refused({ sender: "" })).toContain("Enter a Twilio number like +14155550100");
    expect(await count()).toBe(stored);

    // Any common notation of a number is stored as E.164, once.
    const added = await editor.senders.createSms({ sender: "+1 (415) 555-0199", dailyCap: 50 });
    expect(added).toMatchObject({ channel: "sms", smsSender: "+14155550199", dailyCap: 50, fromEmail: null });
    expect(await refused({ sender: "+14155550199" })).toBe("+14155550199 is already an SMS sender.");
    expect((await editor.senders.setDailyCap({ id: added.id, dailyCap: 75 })).dailyCap).toBe(75);

    const viewer = await callerAs(t.services, "viewer");
    await expect(viewer.senders.createSms({ sender: "+14155550198" })).rejects.toThrow("This needs the editor role");
    await expect(viewer.senders.setDailyCap({ id: added.id, dailyCap: 1 })).rejects.toThrow("This needs the editor role");
    expect((await viewer.senders.list()).find((s) => s.id === added.id)).toMatchObject({ dailyCap: 75, sentToday: 0 });
  });
});
