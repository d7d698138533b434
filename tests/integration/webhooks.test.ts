import { sql } from "drizzle-orm";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { getCampaign } from "../../server/campaigns/campaigns";
import { transitionCampaign } from "../../server/campaigns/lifecycle";
import { verifyCounters } from "../../server/counters/verify";
import { outboxTransport } from "../../server/sending/outbox-transport";
import { sendRun } from "../../server/sending/send-run";
import { foldEvents } from "../../server/tracking/fold";
import { markReplied } from "../../server/tracking/replies";
import { deliverWebhook, webhookSecret } from "../fakes/resend-webhooks";
import { herald } from "../helpers/cli";
import { useTestDatabase } from "../helpers/db";
import { campaignFactory, emailStatuses } from "../helpers/engine";
import { startTestServer } from "../helpers/http";

const secret = webhookSecret();
const t = useTestDatabase({ RESEND_WEBHOOK_SECRET: secret });
let server: Awaited<ReturnType<typeof startTestServer>>;
let url: string;
beforeAll(async () => {
  server = await startTestServer(t.services);
  url = `${server.base}/webhooks/resend`;
});
afterAll(() => server.close());

async function sent(recipients: number, steps = [{ delayMinutes: 0 }]) {
  const c = await campaignFactory(t.services, { recipients, steps });
  const run = await transitionCampaign(t.services.db, c.id, "start", { source: "app" });
  await sendRun(t.services, outboxTransport, c.id, run.runId!, { workerId: "w" });
  const emails = await t.services.db.execute<{ id: number; email: string; provider_message_id: string }>(sql`
    select e.id, r.email, e.provider_message_id from scheduled_emails e join run_recipients r on r.id = e.recipient_id where e.run_id = ${run.runId} and e.status = 'sent' order by e.id`);
  return { c, runId: run.runId!, emails };
}
const event = (type: string, campaignId: number, emailId: number, extra: Record<string, unknown> = {}) => ({
  type, created_at: new Date().toISOString(),
  data: { email_id: `re_${emailId}`, to: ["x@example.com"], tags: { herald_campaign: String(campaignId), herald_email: String(emailId) }, ...extra },
});

describe("Resend webhooks", () => {
  it("judges Resend's click events like Herald's own: a scanner's click is recorded with its reason and not counted as a person's", async () => {
    const { c, runId, emails } = await sent(2);
    await t.services.db.execute(sql`update scheduled_emails set sent_at = now() - interval '1 hour' where run_id = ${runId}`);
    const click = (emailId: number, userAgent: string, ipAddress: string) =>
      deliverWebhook(url, secret, event("email.clicked", c.id, emailId, { click: { link: "https://example.com/pricing", userAgent, ipAddress, timestamp: new Date().toISOString() } }));
    expect((await click(emails[0]!.id, "Mozilla/5.0 (iPhone; CPU iPhone OS 18_1 like Mac OS X) Version/18.1 Mobile Safari/604.1", "92.40.176.9")).status).toBe(200);
    expect((await click(emails[1]!.id, "Mozilla/5.0 (Windows NT 10.0) Chrome/119 Safari/537.36", "148.163.150.20")).status).toBe(200); // Proofpoint's network
    await foldEvents(t.services.db, 5000, { now: new Date(Date.now() + 60_000) });
    const events = await t.services.db.execute<{ machine: boolean; reasons: string[] | null }>(sql`
      select machine, data->'machineReasons' as reasons from email_events_judged where campaign_id = ${c.id} and type = 'clicked' order by scheduled_email_id`);
    expect(events).toEqual([{ machine: false, reasons: null }, { machine: true, reasons: ["scanner-network"] }]);
    expect(await getCampaign(t.services.db, c.id)).toMatchObject({ clicked: 2, humanClicked: 1 });
  });

  it("two links of one email clicked within seconds through Resend are a burst, found by the fold like Herald's own clicks", async () => {
    const { c, runId, emails } = await sent(2);
    await t.services.db.execute(sql`update scheduled_emails set sent_at = now() - interval '1 hour' where run_id = ${runId}`);
    const at = Date.now() - 30_000;
    const click = (emailId: number, link: string, ms: number) => {
      const e = event("email.clicked", c.id, emailId, { click: { link, userAgent: "Mozilla/5.0 (Windows NT 10.0) Chrome/119 Safari/537.36", ipAddress: "92.40.176.9", timestamp: new Date(at + ms).toISOString() } });
      return deliverWebhook(url, secret, { ...e, created_at: new Date(at + ms).toISOString() });
    };
    // One at a time, as Resend delivers them: the second arrives after the first is long committed.
    await click(emails[0]!.id, "https://example.com/pricing", 0);
    await click(emails[0]!.id, "https://example.com/demo", 1_200);
    await click(emails[1]!.id, "https://example.com/pricing", 0);
    await click(emails[1]!.id, "https://example.com/pricing", 1_200); // one link twice: a person
    await foldEvents(t.services.db, 5000, { now: new Date(Date.now() + 60_000) });
    const events = await t.services.db.execute<{ scheduled_email_id: number; machine: boolean; reasons: string[] | null }>(sql`
      select scheduled_email_id, machine, data->'machineReasons' as reasons from email_events_judged where campaign_id = ${c.id} and type = 'clicked' order by scheduled_email_id, occurred_at`);
    expect(events.map((e) => [Number(e.scheduled_email_id), e.machine, e.reasons])).toEqual([
      [emails[0]!.id, true, ["burst"]], [emails[0]!.id, true, ["burst"]], [emails[1]!.id, false, null], [emails[1]!.id, false, null],
    ]);
    expect(await getCampaign(t.services.db, c.id)).toMatchObject({ clicked: 2, humanClicked: 1 });
    expect((await verifyCounters(t.services.db)).drift).toEqual([]);
  });

  it("records a verified delivery once, even when Resend delivers the webhook twice", async () => {
    const { c, emails } = await sent(2);
    const first = await deliverWebhook(url, secret, event("email.delivered", c.id, emails[0]!.id));
    expect(first).toMatchObject({ status: 200, body: { message: "recorded delivered" } });
    const again = await deliverWebhook(url, secret, event("email.delivered", c.id, emails[0]!.id), { id: first.id });
    expect(again).toMatchObject({ status: 200, body: { message: "already recorded" } });
    await foldEvents(t.services.db);
    expect((await getCampaign(t.services.db, c.id)).delivered).toBe(1);
  });

  it("rejects a bad, stale or tampered signature with 400 and records nothing", async () => {
    const { c, emails } = await sent(1);
    const e = event("email.delivered", c.id, emails[0]!.id);
    const wrongKey = await deliverWebhook(url, secret, e, { signWith: webhookSecret() });
    const stale = await deliverWebhook(url, secret, e, { timestamp: Math.floor(Date.now() / 1000) - 600 });
    const tampered = await deliverWebhook(url, secret, e, { tamper: true });
    for (const r of [wrongKey, stale, tampered]) expect(r.status).toBe(400);
    expect(wrongKey.body.error).toContain("signature does not match");
    expect(stale.body.error).toContain("five minutes");
    const unsigned = await fetch(url, { method: "POST", body: JSON.stringify(e) });
    expect(unsigned.status).toBe(400);
    const [n] = await t.services.db.execute<{ n: number }>(sql`select count(*)::int as n from email_events where campaign_id = ${c.id} and type <> 'sent'`);
    expect(n!.n).toBe(0);
  });

  it("a hard bounce suppresses the address everywhere; a soft bounce does not", async () => {
    const { c, emails } = await sent(2);
    await deliverWebhook(url, secret, event("email.bounced", c.id, emails[0]!.id, { bounce: { type: "Permanent", subType: "General", message: "mailbox does not exist" } }));
    await deliverWebhook(url, secret, event("email.bounced", c.id, emails[1]!.id, { bounce: { type: "Transient", subType: "MailboxFull" } }));
    const supp = await t.services.db.execute<{ email: string; reason: string }>(sql`select email, reason from suppressions where campaign_id = ${c.id}`);
    expect(supp).toEqual([{ email: emails[0]!.email, reason: "hard_bounce" }]);
    await foldEvents(t.services.db);
    const campaign = await getCampaign(t.services.db, c.id);
    expect(campaign.bounced).toBe(1);
    const [recipient] = await t.services.db.execute<{ status: string }>(sql`select status from run_recipients where campaign_id = ${c.id} and email = ${emails[0]!.email}`);
    expect(recipient!.status).toBe("bounced");
  });

  it("maps by provider message id when tags are missing, and ignores mail Herald did not send", async () => {
    const { c, emails } = await sent(1);
    const byId = await deliverWebhook(url, secret, { type: "email.complained", created_at: new Date().toISOString(), data: { email_id: emails[0]!.provider_message_id } });
    expect(byId.body.message).toBe("recorded complained");
    const foreign = await deliverWebhook(url, secret, { type: "email.delivered", data: { email_id: "someone-elses" } });
    expect(foreign).toMatchObject({ status: 200, body: { message: "not an email Herald sent; ignored" } });
    await foldEvents(t.services.db);
    expect((await getCampaign(t.services.db, c.id)).complained).toBe(1);
    expect((await verifyCounters(t.services.db)).drift).toEqual([]);
  });
});

describe("replies", () => {
  it("an inbound reply to the plus-addressed reply-to stops that recipient's remaining steps", async () => {
    const c = await campaignFactory(t.services, { recipients: 2, steps: [{ delayMinutes: 0 }, { delayMinutes: 60 }], settings: { replyTo: "replies@herald.test" } });
    const run = await transitionCampaign(t.services.db, c.id, "start", { source: "app" });
    await sendRun(t.services, outboxTransport, c.id, run.runId!, { workerId: "w" });
    const [msg] = await t.services.db.execute<{ html: string; to_address: string }>(sql`select html, to_address from outbox_messages where campaign_id = ${c.id} order by to_address limit 1`);
    const [row] = await t.services.db.execute<{ id: number }>(sql`select e.id from scheduled_emails e join run_recipients r on r.id = e.recipient_id where e.run_id = ${run.runId} and r.email = ${msg!.to_address} and e.step_number = 1`);
    const { replyToAddress } = await import("../../server/tracking/replies");
    const replyAddress = replyToAddress(t.services.secret, "replies@herald.test", c.id, row!.id);
    expect(replyAddress).toMatch(/^replies\+r\d+-\d+-\w{12}@herald\.test$/);
    const inbound = await deliverWebhook(url, secret, { type: "email.received", created_at: new Date().toISOString(), data: { from: msg!.to_address, to: [replyAddress] } });
    expect(inbound.body.message).toBe("recorded reply");
    const statuses = await t.services.db.execute<{ email: string; status: string }>(sql`
      select r.email, e.status from scheduled_emails e join run_recipients r on r.id = e.recipient_id where e.run_id = ${run.runId} and e.step_number = 2 order by r.email`);
    expect(statuses.find((s) => s.email === msg!.to_address)!.status).toBe("skipped");
    expect(statuses.find((s) => s.email !== msg!.to_address)!.status).toBe("pending");
    expect((await getCampaign(t.services.db, c.id)).replied).toBe(1);
    const forged = await deliverWebhook(url, secret, { type: "email.received", data: { to: ["replies+r1-1-AAAAAAAAAAAA@herald.test"] } });
    expect(forged.body.message).toContain("cannot match");
  });

  it("herald mark-replied records a reply found elsewhere, once", async () => {
    const { c, runId, emails } = await sent(2, [{ delayMinutes: 0 }, { delayMinutes: 60 }]);
    const [campaign] = await t.services.db.execute<{ name: string }>(sql`select name from campaigns where id = ${c.id}`);
    const result = await herald(["mark-replied", emails[0]!.email.toUpperCase(), "--campaign", campaign!.name], { DATABASE_URL: t.url, HERALD_SECRET: t.services.config.HERALD_SECRET! });
    expect(result.stdout).toContain(`Recorded the reply from ${emails[0]!.email.toUpperCase()} to run 1`);
    expect(result.stdout).toContain("1 remaining step skipped");
    expect(await emailStatuses(t.services, runId)).toEqual({ sent: 2, pending: 1, skipped: 1 });
    const again = await markReplied(t.services.db, c.id, emails[0]!.email);
    expect(again.first).toBe(false);
    expect((await getCampaign(t.services.db, c.id)).replied).toBe(1);
    expect((await verifyCounters(t.services.db)).drift).toEqual([]);
  });

  it("signed events Herald cannot record are acknowledged, not answered 503 for Resend to retry for a day and a half; a bad click address is dropped, not the click", async () => {
    const { c, emails } = await sent(1);
    const id = emails[0]!.id;
    const events = () => t.services.db.execute(sql`select 1 from email_events where campaign_id = ${c.id} and type <> 'sent'`);
    for (const created_at of ["1970-01-01T00:00:00Z", "2999-01-01T00:00:00Z"]) {
      const old = await deliverWebhook(url, secret, { ...event("email.opened", c.id, id), created_at });
      expect(old).toMatchObject({ status: 200, body: { message: expect.stringContaining("ignored") } });
    }
    for (const tag of ["4.5", "1e400"]) {
      const odd = await deliverWebhook(url, secret, { type: "email.delivered", created_at: new Date().toISOString(), data: { email_id: "re_unknown", tags: { herald_campaign: tag, herald_email: tag } } });
      expect(odd).toMatchObject({ status: 200, body: { message: "not an email Herald sent; ignored" } });
    }
    expect(await events()).toHaveLength(0);
    const click = await deliverWebhook(url, secret, event("email.clicked", c.id, id, { click: { link: "https://example.com/", ipAddress: "1.2.3.4.5", userAgent: "Mozilla/5.0" } }));
    expect(click).toMatchObject({ status: 200, body: { message: "recorded clicked" } });
    expect(await events()).toHaveLength(1);
  });
});
