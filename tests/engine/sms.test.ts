import { randomBytes } from "node:crypto";
import { sql } from "drizzle-orm";
import { afterAll, beforeAll, beforeEach, describe, expect, it } from "vitest";
import { createCampaign } from "../../server/campaigns/campaigns";
import { transitionCampaign } from "../../server/campaigns/lifecycle";
import { verifyCounters } from "../../server/counters/verify";
import { importLeadsCsv } from "../../server/leads/csv-import";
import { claimBatch } from "../../server/sending/batch";
import { outboxTransport } from "../../server/sending/outbox-transport";
import { sendRun, type LaneResult } from "../../server/sending/send-run";
import type { Transport } from "../../server/sending/transport";
import { channelTransport } from "../../server/sms/channel-transport";
import { twilioTransport } from "../../server/sms/twilio-transport";
import { startTwilioFake, twilioSignature } from "../fakes/twilio";
import { useTestDatabase } from "../helpers/db";
import { templateFactory } from "../helpers/engine";
import { startTestServer } from "../helpers/http";

const ACCOUNT = `AC${"0123456789abcdef".repeat(2)}`;
const TOKEN = "fake_twilio_auth_token_0123456789";
const FROM = "+15005550006";
const t = useTestDatabase({ TWILIO_ACCOUNT_SID: ACCOUNT, TWILIO_AUTH_TOKEN: TOKEN, TWILIO_FROM_NUMBERS: FROM, TWILIO_NUMBER_MPS: "200", TWILIO_ACCOUNT_MPS: "1000" });
let fake: Awaited<ReturnType<typeof startTwilioFake>>;
let server: Awaited<ReturnType<typeof startTestServer>>;
let transport: Transport;
const db = () => t.services.db;
const unique = () => randomBytes(3).toString("hex");
/** Valid US numbers (San Francisco), distinct per test: +1 415 555 2xxx. */
let nextNumber = 2000;
const phone = () => `+1415555${nextNumber++}`;

beforeAll(async () => {
  fake = await startTwilioFake({ accountSid: ACCOUNT, authToken: TOKEN, numbers: [FROM], mps: 200 });
  server = await startTestServer(t.services, { TWILIO_AUTH_TOKEN: TOKEN });
  // Status callbacks name the server Twilio calls: PUBLIC_URL, as an operator sets it.
  t.services.config = { ...t.services.config, PUBLIC_URL: server.base, publicUrl: server.base };
  fake.state.inboundUrl = `${server.base}/webhooks/twilio/inbound`;
  transport = channelTransport(outboxTransport, twilioTransport(db(), { accountSid: ACCOUNT, authToken: TOKEN, baseUrl: fake.url, numberMps: 200, accountMps: 1000 }));
});
afterAll(async () => {
  await server?.close();
  await fake?.close();
});
beforeEach(async () => {
  Object.assign(fake.state, { failNext: [], dropAfterAccept: 0, onAccepted: null, callbacks: "auto", mps: 200 });
  await db().execute(sql`delete from provider_health`);
  await db().execute(sql`delete from rate_limits`);
});

/** Leads imported through the real CSV importer: `phones[i]` null means a lead without a phone. */
async function audience(phones: Array<string | null>) {
  const listName = `sms-${unique()}`;
  const prefix = `p-${unique()}`;
  const rows = phones.map((p, i) => `${prefix}-${i}@example.com,Name${i},${p ?? ""}`);
  const report = await importLeadsCsv(db(), ["email,first_name,mobile phone", ...rows].join("\n"), { listName });
  expect(report.rejected).toEqual([]);
  return { listId: report.list!.id, emails: rows.map((r) => r.split(",")[0]!) };
}

async function mixedCampaign(listId: number, steps: Array<{ channel: "email" | "sms"; stopOnReply?: boolean }>) {
  const template = await templateFactory(t.services);
  return createCampaign(db(), {
    name: `sms-campaign-${unique()}`, kind: steps.length > 1 ? "sequence" : "broadcast", fromEmail: "team@herald.test", fromName: "Herald", listIds: [listId],
    throttlePerMinute: 1_000_000,
    steps: steps.map((s) => (s.channel === "email"
      ? { channel: "email" as const, templateId: template.id, delayMinutes: 0, stopOnReply: s.stopOnReply ?? true }
      : { channel: "sms" as const, smsBody: "Hi {{first_name|there}}, a quick text from Herald.", delayMinutes: 0, stopOnReply: s.stopOnReply ?? true })),
  });
}

async function runToEnd(campaignId: number, runId: number, worker = "lane"): Promise<LaneResult> {
  for (let i = 0; i < 50; i++) {
    const result = await sendRun(t.services, transport, campaignId, runId, { workerId: `${worker}-${i}` });
    if (result.outcome === "completed") return result;
    if (result.outcome === "stopped") {
      const [run] = await db().execute<{ status: string }>(sql`select status from campaign_runs where id = ${runId}`);
      if (run?.status === "COMPLETED") return result;
    }
    // A provider's "slow down" is real time at the provider (the fake refills its buckets by the clock): wait it out, briefly.
    if (result.outcome === "waiting" && result.nextAt) await new Promise((r) => setTimeout(r, Math.min(1_500, Math.max(0, result.nextAt!.getTime() - Date.now()))));
    if (result.outcome === "waiting" || result.outcome === "idle") await advance(5_000);
  }
  throw new Error("the run did not complete");
}

/** Time passes (compressed): leases, back-off and rate-limit slots that were `ms` away are due now. */
async function advance(ms: number) {
  const secs = ms / 1000;
  await db().execute(sql`update scheduled_emails set locked_until = locked_until - make_interval(secs => ${secs}) where status = 'sending'`);
  await db().execute(sql`update sms_messages set handed_at = handed_at - make_interval(secs => ${secs}) where sid is null`);
  await db().execute(sql`update scheduled_emails set scheduled_for = scheduled_for - make_interval(secs => ${secs}) where status = 'pending'`);
  await db().execute(sql`update provider_health set retry_at = retry_at - make_interval(secs => ${secs}), unavailable_since = unavailable_since - make_interval(secs => ${secs})`);
  await db().execute(sql`update rate_limits set next_slot_at = next_slot_at - make_interval(secs => ${secs}), blocked_until = blocked_until - make_interval(secs => ${secs})`);
}

const runRow = async (runId: number) => {
  const [row] = await db().execute<Record<string, number>>(sql`
    select sent, failed, sms_sent, sms_delivered, sms_failed, sms_replied, sms_opted_out, people_sent from campaign_runs where id = ${runId}`);
  return row!;
};

async function expectNoDrift() {
  const verified = await verifyCounters(db());
  expect(verified.drift).toEqual([]);
  expect(verified.checked.runs).toBeGreaterThan(0);
}

describe("SMS campaigns through the real twilio SDK and a Twilio-compatible fake", () => {
  it("a mixed email + SMS sequence: emails to everyone, texts to those with a phone, statuses, a reply, a STOP, counters that verify", async () => {
    const phones = [phone(), phone(), phone(), phone(), phone(), null];
    const { listId, emails } = await audience(phones);
    fake.state.outcomes.set(phones[4]!, { status: "undelivered", errorCode: 30005 });
    const campaign = await mixedCampaign(listId, [{ channel: "email" }, { channel: "sms" }, { channel: "email" }]);
    const { runId } = await transitionCampaign(db(), campaign.id, "start", { source: "app" });
    // Step 3 waits for replies: it is due only once the callbacks and the reply are in.
    await db().execute(sql`update sequence_steps set delay_minutes = 60 where campaign_id = ${campaign.id} and step_number = 3`);
    await sendRun(t.services, transport, campaign.id, runId!, { workerId: "lane-a" });
    await fake.flushCallbacks();

    // Five texts, one per phone, as a phone shows them: merge tags filled, the opt-out line last.
    const texts = fake.state.messages.filter((m) => phones.includes(m.to));
    expect(texts.map((m) => m.to).sort()).toEqual(phones.filter(Boolean).sort());
    expect(texts.find((m) => m.to === phones[0])!.body).toBe("Hi Name0, a quick text from Herald.\nReply STOP to opt out");
    expect(texts.every((m) => m.from === FROM && m.statusCallback?.startsWith(`${server.base}/webhooks/twilio/status?`))).toBe(true);
    const [skipped] = await db().execute<{ error: string }>(sql`
      select e.error from scheduled_emails e join run_recipients r on r.campaign_id = e.campaign_id and r.id = e.recipient_id
      where e.run_id = ${runId} and e.step_number = 2 and r.email = ${emails[5]!}`);
    expect(skipped!.error).toBe("the lead has no phone number");
    // The SIDs Twilio gave are kept with each message.
    const sids = await db().execute<{ provider_message_id: string }>(sql`select provider_message_id from scheduled_emails where run_id = ${runId} and step_number = 2 and status = 'sent'`);
    expect(sids.map((s) => s.provider_message_id).sort()).toEqual(texts.map((m) => m.sid).sort());

    // Signed callbacks: sent then delivered (undelivered with 30005 for one number).
    expect(fake.state.callbackResults.filter((c) => phones.includes(c.params.To!)).every((c) => c.status === 200)).toBe(true);
    expect(await runRow(runId!)).toMatchObject({ sent: 7, sms_sent: 5, sms_delivered: 4, sms_failed: 1, people_sent: 6 });
    const [undelivered] = await db().execute<{ data: { error_code: number } }>(sql`select data from email_events where run_id = ${runId} and type = 'sms_undelivered'`);
    expect(undelivered!.data.error_code).toBe(30005);

    // A callback delivered twice counts once; one with a bad signature is refused and changes nothing.
    const again = fake.state.callbackResults.find((c) => c.params.MessageStatus === "delivered")!;
    const repost = (signature: string) => fetch(again.url, { method: "POST", headers: { "content-type": "application/x-www-form-urlencoded", "x-twilio-signature": signature }, body: new URLSearchParams(again.params) });
    expect((await repost(twilioSignature(TOKEN, again.url, again.params))).status).toBe(200);
    expect((await repost(twilioSignature("not-the-token", again.url, again.params))).status).toBe(403);
    expect((await runRow(runId!)).sms_delivered).toBe(4);

    // A reply stops that person's sequence; a STOP opts the number out; a forged inbound is refused.
    expect((await fake.inbound({ from: phones[0]!, to: FROM, body: "Sounds good, call me" })).status).toBe(200);
    expect((await fake.inbound({ from: phones[1]!, to: FROM, body: "stop" })).status).toBe(200);
    expect((await fake.inbound({ from: phones[2]!, to: FROM, body: "STOP" }, { signature: "forged" })).status).toBe(403);
    const suppressed = await db().execute<{ phone: string; note: string }>(sql`select phone, note from phone_suppressions order by phone`);
    expect(suppressed).toEqual([{ phone: phones[1], note: "STOP" }]);
    expect(await runRow(runId!)).toMatchObject({ sms_replied: 1, sms_opted_out: 1 });

    await advance(61 * 60_000);
    await runToEnd(campaign.id, runId!);
    // Step 3 went to everyone but the person who replied by text.
    const step3 = await db().execute<{ email: string; status: string }>(sql`
      select r.email, e.status from scheduled_emails e join run_recipients r on r.campaign_id = e.campaign_id and r.id = e.recipient_id where e.run_id = ${runId} and e.step_number = 3 order by r.email`);
    expect(step3.filter((s) => s.status === "skipped").map((s) => s.email)).toEqual([emails[0]]);
    expect((await runRow(runId!)).sent).toBe(11);
    await expectNoDrift();
  });

  it("STOP sent to one campaign is honoured by a second campaign; START lets texts through again", async () => {
    const [a, b] = [phone(), phone()];
    const { listId } = await audience([a, b]);
    const first = await mixedCampaign(listId, [{ channel: "sms" }]);
    const run1 = await transitionCampaign(db(), first.id, "start", { source: "app" });
    await runToEnd(first.id, run1.runId!);
    expect((await fake.inbound({ from: a, to: FROM, body: "Unsubscribe" })).status).toBe(200);

    const before = fake.state.messages.length;
    const second = await mixedCampaign(listId, [{ channel: "sms" }]);
    const run2 = await transitionCampaign(db(), second.id, "start", { source: "app" });
    await runToEnd(second.id, run2.runId!);
    expect(fake.state.messages.slice(before).map((m) => m.to)).toEqual([b]);
    const [skip] = await db().execute<{ status: string; error: string }>(sql`
      select e.status, e.error from scheduled_emails e join run_recipients r on r.campaign_id = e.campaign_id and r.id = e.recipient_id
      join leads l on l.id = r.lead_id where e.run_id = ${run2.runId} and l.phone = ${a}`);
    expect(skip).toEqual({ status: "skipped", error: "the phone number opted out (STOP)" });

    expect((await fake.inbound({ from: a, to: FROM, body: "START" })).status).toBe(200);
    expect(await db().execute(sql`select 1 from phone_suppressions where phone = ${a}`)).toHaveLength(0);
    const third = await mixedCampaign(listId, [{ channel: "sms" }]);
    const run3 = await transitionCampaign(db(), third.id, "start", { source: "app" });
    await runToEnd(third.id, run3.runId!);
    expect(fake.state.messages.filter((m) => m.to === a)).toHaveLength(2);
    await expectNoDrift();
  });

  it("a STOP that arrives after a batch was claimed but before it was handed to Twilio drops that text", async () => {
    const [a, b] = [phone(), phone()];
    const { listId } = await audience([a, b]);
    const campaign = await mixedCampaign(listId, [{ channel: "sms" }]);
    const { runId } = await transitionCampaign(db(), campaign.id, "start", { source: "app" });
    const claimed = await claimBatch(t.services, { id: campaign.id, runId: runId!, fromName: "", fromEmail: "team@herald.test", replyTo: null }, 10, "stalled");
    expect(claimed && claimed !== "stopped" ? claimed.emails.map((e) => e.to).sort() : null).toEqual([a, b].sort());
    await db().execute(sql`insert into phone_suppressions (phone, reason, note) values (${b}, 'opt_out', 'STOP')`);
    const before = fake.state.messages.length;
    await advance(31_000); // the claiming worker stopped; its batch is retaken
    await runToEnd(campaign.id, runId!);
    expect(fake.state.messages.slice(before).map((m) => m.to)).toEqual([a]);
    expect(await runRow(runId!)).toMatchObject({ sms_sent: 1 });
    await expectNoDrift();
  });

  it("a crash in the middle of an SMS batch (Twilio accepted a message, the worker died before its answer): the retake sends the rest, 0 duplicates", async () => {
    const phones = Array.from({ length: 40 }, () => phone());
    const { listId } = await audience(phones);
    const campaign = await mixedCampaign(listId, [{ channel: "sms" }]);
    const { runId } = await transitionCampaign(db(), campaign.id, "start", { source: "app" });
    const before = fake.state.messages.length;
    // Callbacks held back: this test proves the lookup at Twilio (a callback naming the SID would also settle it).
    fake.state.callbacks = "manual";
    // The 15th message is accepted, and the worker dies before Twilio's answer reaches it.
    fake.state.onAccepted = () => { if (fake.state.messages.length - before === 15) fake.state.dropAfterAccept = 1; };
    const dying: Transport = { ...transport, async send(messages, options) {
      try {
        return await transport.send(messages, options);
      } catch {
        throw new Error("SIGKILL while a request was in flight");
      }
    } };
    await expect(sendRun(t.services, dying, campaign.id, runId!, { workerId: "doomed" })).rejects.toThrow("SIGKILL");
    fake.state.onAccepted = null;
    expect(fake.state.messages.length - before).toBe(15);
    const [ledger] = await db().execute<{ with_sid: number; without: number }>(sql`
      select count(*) filter (where sid is not null)::int as with_sid, count(*) filter (where sid is null)::int as without from sms_messages where run_id = ${runId}`);
    expect(ledger).toEqual({ with_sid: 14, without: 1 });

    await advance(31_000);
    // Two lanes at once: one retakes the batch, the other finds nothing else to do.
    await Promise.all(["a", "b"].map((w) => sendRun(t.services, transport, campaign.id, runId!, { workerId: w })));
    await runToEnd(campaign.id, runId!);
    const sent = fake.state.messages.slice(before);
    expect(sent).toHaveLength(40);
    expect(fake.duplicates(before)).toBe(0);
    expect(new Set(sent.map((m) => m.to)).size).toBe(40);
    const statuses = await db().execute<{ status: string; n: number }>(sql`select status, count(*)::int as n from scheduled_emails where run_id = ${runId} group by status`);
    expect(statuses).toEqual([{ status: "sent", n: 40 }]);
    // The message whose answer was lost was found at Twilio by its number and body: its SID is Twilio's.
    const recorded = await db().execute<{ provider_message_id: string }>(sql`select provider_message_id from scheduled_emails where run_id = ${runId}`);
    expect(recorded.map((r) => r.provider_message_id).sort()).toEqual(sent.map((m) => m.sid).sort());
    expect((await runRow(runId!)).sms_sent).toBe(40);
    await expectNoDrift();
  });

  it("Twilio's 429 (error 20429) at its per-number limit slows the run down without losing or doubling a message; a refused number fails alone", async () => {
    fake.state.mps = 3;
    const phones = Array.from({ length: 12 }, () => phone());
    const { listId } = await audience(phones);
    const campaign = await mixedCampaign(listId, [{ channel: "sms" }]);
    const { runId } = await transitionCampaign(db(), campaign.id, "start", { source: "app" });
    const limitedBefore = fake.state.rateLimited;
    const before = fake.state.messages.length;
    await runToEnd(campaign.id, runId!);
    expect(fake.state.rateLimited).toBeGreaterThan(limitedBefore);
    expect(fake.state.messages.length - before).toBe(12);
    expect(fake.duplicates(before)).toBe(0);

    // A number Twilio refuses (21211) fails that message only, with Twilio's code in the reason.
    const sms = twilioTransport(db(), { accountSid: ACCOUNT, authToken: TOKEN, baseUrl: fake.url, numberMps: 200, accountMps: 1000 });
    const [refused] = await db().execute<{ id: number }>(sql`select id from scheduled_emails where run_id = ${runId} limit 1`);
    const outcome = await sms.send([{ campaignId: campaign.id, scheduledEmailId: refused!.id + 1_000_000, channel: "sms", from: FROM, to: "+1234", replyTo: null, subject: "", html: "", text: "hello", headers: {}, tags: [] }], { idempotencyKey: "x", tx: undefined as never });
    expect(outcome).toEqual([{ ok: false, error: expect.stringContaining("error 21211") }]);
  });
});

describe("phone numbers at import", () => {
  it("a bad number is a rejected line with its number and reason; valid rows import, normalised to E.164 with a time zone guessed from the country", async () => {
    const csv = [
      "email,first_name,phone",
      "ana@example.com,Ana,+44 20 7946 0018",
      "bo@example.com,Bo,not a number",
      "cy@example.com,Cy,(415) 555-2671",
      "di@example.com,Di,",
      "ed@example.com,Ed,+1 555 0000",
    ].join("\n");
    const report = await importLeadsCsv(db(), csv, { listName: `phones-${unique()}` });
    expect(report.created).toBe(2);
    expect(report.rejected).toEqual([
      { line: 3, reason: 'the phone number "not a number" is not a phone number' },
      { line: 4, reason: 'the phone number "(415) 555-2671" has no country code: write it in international form (+44 20 7946 0000)' },
      { line: 6, reason: 'the phone number "+1 555 0000" is not a valid phone number for +1' },
    ]);
    const leads = await db().execute<{ email: string; phone: string | null; phone_time_zone: string | null }>(sql`
      select email, phone, phone_time_zone from leads where email in ('ana@example.com', 'di@example.com') order by email`);
    expect(leads).toEqual([
      { email: "ana@example.com", phone: "+442079460018", phone_time_zone: "Europe/London" },
      { email: "di@example.com", phone: null, phone_time_zone: null },
    ]);
    // With a default country, a national number is read as that country's.
    const gb = await importLeadsCsv(db(), "email,phone\nfi@example.com,020 7946 0019", { phoneCountry: "GB" });
    expect(gb.rejected).toEqual([]);
  });
});
