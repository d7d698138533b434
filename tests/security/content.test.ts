import { sql } from "drizzle-orm";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { transitionCampaign } from "../../server/campaigns/lifecycle";
import { loadConfig } from "../../server/config";
import { sendRun } from "../../server/sending/send-run";
import { outboxTransport } from "../../server/sending/outbox-transport";
import { leads } from "../../db/schema";
import { deliverWebhook, webhookSecret } from "../fakes/resend-webhooks";
import { useTestDatabase } from "../helpers/db";
import { campaignFactory } from "../helpers/engine";
import { callerAs, userFactory } from "../helpers/factories";
import { signIn, startTestServer } from "../helpers/http";
import { trpcInput } from "./helpers";

const secret = webhookSecret();
const t = useTestDatabase({ RESEND_WEBHOOK_SECRET: secret });
let server: Awaited<ReturnType<typeof startTestServer>>;
beforeAll(async () => {
  server = await startTestServer(t.services);
});
afterAll(() => server.close());

async function sentCampaign(recipients: number) {
  const c = await campaignFactory(t.services, { recipients, steps: [{ delayMinutes: 0 }, { delayMinutes: 60 }] });
  const run = await transitionCampaign(t.services.db, c.id, "start", { source: "app" });
  await sendRun(t.services, outboxTransport, c.id, run.runId!, { workerId: "w" });
  return t.services.db.execute<{ provider_message_id: string; email: string }>(sql`
    select e.provider_message_id, r.email from scheduled_emails e join run_recipients r on r.id = e.recipient_id
    where e.run_id = ${run.runId} and e.status = 'sent' order by e.id`);
}

describe("templates", () => {
  it("only http(s) and mailto links survive rendering, and the preview names the dropped ones", async () => {
    const [lead] = await t.services.db.insert(leads).values({ email: "mallory@example.com", attributes: { website: "javascript:alert(document.cookie)" } }).returning();
    const editor = await callerAs(t.services, "editor");
    const preview = await editor.templates.preview({
      leadId: lead!.id,
      draft: { subject: "Hi", html: `<a href="{{website}}">site</a> <a href="https://herald.example/x?a=1&amp;b=2">ok</a> <a href="mailto:hi@herald.example">mail</a> <a href="java&#x09;script:alert(1)">tab</a>`, text: "" },
    });
    expect(preview.html).not.toMatch(/javascript|java&#x09;script/i);
    expect(preview.html).toContain('href="https://herald.example/x?a=1&amp;b=2"');
    expect(preview.html).toContain('href="mailto:hi@herald.example"');
    expect(preview.droppedLinks).toEqual(["javascript:alert(document.cookie)", "java&#x09;script:alert(1)"]);
  });

  it("scripts, event handlers, refreshes and unsafe image sources are removed too; web, cid and inline images and text that reads like an attribute stay", async () => {
    const editor = await callerAs(t.services, "editor");
    const preview = await editor.templates.preview({
      draft: { subject: "Hi", text: "", html: `<iframe src="javascript:alert(7)"></iframe><meta http-equiv=refresh content="0;url=javascript:x"><img src=x onerror=alert(12)><script>alert(1)</script>` +
        `<img src="https://cdn.example/logo.png" alt="logo"><img src="cid:logo"><img src="data:image/png;base64,AAAA"><p title="a>b">Pay online = now, href=later</p>` },
    });
    expect(preview.html).not.toMatch(/javascript|onerror|<script|refresh/i);
    expect(preview.html).toContain('<img src="https://cdn.example/logo.png" alt="logo"><img src="cid:logo"><img src="data:image/png;base64,AAAA">');
    expect(preview.html).toContain('<p title="a>b">Pay online = now, href=later</p>');
    expect(preview.droppedLinks).toEqual(['<meta http-equiv=refresh content="0;url=javascript:x">', "<script>alert(1)</script>", "javascript:alert(7)", "x", "onerror=alert(12)"]);
  });

  it("refuses line breaks in template names and subjects, campaign names and from names, with a sentence", async () => {
    const editor = await callerAs(t.services, "editor");
    await expect(editor.templates.create({ name: "T", subject: "Hello\r\nBcc: victim@example.com", html: "<p>x</p>" })).rejects.toThrow("The subject cannot contain line breaks");
    await expect(editor.templates.create({ name: "T\nX", subject: "Hello", html: "<p>x</p>" })).rejects.toThrow("The name cannot contain line breaks");
    await expect(editor.senders.create({ fromEmail: "a@herald.test", fromName: "Evil\r\nBcc: x@example.com" })).rejects.toThrow("The from name cannot contain line breaks");
    await expect(editor.campaigns.create({ name: "Fine", kind: "broadcast", fromEmail: "a@herald.test", fromName: "A\nB", steps: [{ templateId: 1, delayMinutes: 0 }] })).rejects.toThrow("The from name cannot contain line breaks");
  });
});

describe("outbox ids and replies", () => {
  it("outbox message ids cannot be guessed from the campaign and email ids", async () => {
    const emails = await sentCampaign(3);
    // The time it was stored (in milliseconds, base 36), then 128 random bits.
    for (const e of emails) expect(e.provider_message_id).toMatch(/^outbox-[0-9a-z]{9}[A-Za-z0-9_-]{22}$/);
    expect(new Set(emails.map((e) => e.provider_message_id.slice(-22))).size, "the random parts differ").toBe(emails.length);
    expect(new Set(emails.map((e) => e.provider_message_id)).size).toBe(emails.length);
  });

  it("a signed inbound email matched by In-Reply-To counts as a reply only when it comes from that recipient", async () => {
    const emails = await sentCampaign(2);
    const target = emails[0]!;
    const inbound = (from: string, id: string) => deliverWebhook(`${server.base}/webhooks/resend`, secret, {
      type: "email.received", created_at: new Date().toISOString(),
      data: { from, to: ["inbox@herald.test"], headers: [{ name: "In-Reply-To", value: `<${target.provider_message_id}@herald.test>` }] },
    }, { id });
    const forged = await inbound("attacker@evil.example", "msg_forged_reply");
    expect(forged.body.message).toContain("cannot match");
    const genuine = await inbound(`Person <${target.email.toUpperCase()}>`, "msg_genuine_reply");
    expect(genuine.body.message).toBe("recorded reply");
  });
});

describe("webhook secret", () => {
  it("refuses a whsec_ secret without a key at start, and the SDK's verifier refuses a forged signature", async () => {
    expect(() => loadConfig({ RESEND_WEBHOOK_SECRET: "whsec_" })).toThrow(/RESEND_WEBHOOK_SECRET: must be the whsec_/);
    expect(() => loadConfig({ RESEND_WEBHOOK_SECRET: "whsec_AAAA" })).toThrow(/RESEND_WEBHOOK_SECRET/);
    expect(loadConfig({ RESEND_WEBHOOK_SECRET: secret }).RESEND_WEBHOOK_SECRET).toBe(secret);
    expect(() => loadConfig({ HERALD_SECRET: "a".repeat(40) })).toThrow(/HERALD_SECRET: must be random/);
    const forged = await deliverWebhook(`${server.base}/webhooks/resend`, secret, { type: "email.delivered", data: {} }, { signWith: webhookSecret() });
    expect(forged.status).toBe(400);
    expect(forged.body.error).toContain("signature does not match");
    const old = await deliverWebhook(`${server.base}/webhooks/resend`, secret, { type: "email.delivered", data: {} }, { timestamp: Math.floor(Date.now() / 1000) - 3600 });
    expect(old.body.error).toContain("timestamp");
  });
});

describe("statistics ranges", () => {
  it("a viewer asking for 0001 to 9999 by week gets a sentence naming the cap, at once", async () => {
    const viewer = await userFactory(t.services, { role: "viewer" });
    const cookie = await signIn(server.base, viewer.email, viewer.password);
    const ask = (from: string, to: string, granularity: string) => fetch(`${server.base}/api/trpc/stats.series?input=${trpcInput({ from, to, granularity })}`, { headers: { cookie } });
    const weekly = await ask("0001-01-01", "9999-12-31", "week");
    expect(weekly.status).toBe(400);
    expect(await weekly.text()).toContain("Weekly figures cover at most ten years");
    const monthly = await ask("0001-01-01", "9999-12-31", "month");
    expect(await monthly.text()).toContain("Monthly figures cover at most a hundred years");
    const page = await fetch(`${server.base}/analytics?from=0001-01-01&to=9999-12-31&g=week`, { headers: { cookie } });
    expect(page.status).toBe(400);
    expect(await page.text()).toContain("at most ten years");
    expect((await ask("2026-01-01", "2026-11-23", "week")).status).toBe(200);
  });
});
