import { sql } from "drizzle-orm";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { getCampaign } from "../../server/campaigns/campaigns";
import { transitionCampaign } from "../../server/campaigns/lifecycle";
import { verifyCounters } from "../../server/counters/verify";
import { importLeadsCsv } from "../../server/leads/csv-import";
import { outboxTransport } from "../../server/sending/outbox-transport";
import { sendRun } from "../../server/sending/send-run";
import { createDb } from "../../db/client";
import { suppressAddress } from "../../server/tracking/suppress";
import { useTestDatabase } from "../helpers/db";
import { campaignFactory } from "../helpers/engine";
import { startTestServer } from "../helpers/http";

const t = useTestDatabase();
let server: Awaited<ReturnType<typeof startTestServer>>;
beforeAll(async () => {
  server = await startTestServer(t.services);
});
afterAll(() => server.close());

const unsubscribeUrlOf = async (email: string, campaignId: number) => {
  const [m] = await t.services.db.execute<{ headers: Record<string, string> }>(sql`select headers from outbox_messages where to_address = ${email} and campaign_id = ${campaignId} limit 1`);
  return m!.headers["List-Unsubscribe"]!.slice(1, -1).replace("http://localhost:3000", server.base);
};

describe("unsubscribe links", () => {
  it("one click in an old run's email suppresses the address everywhere, skipping a running sequence's next steps", async () => {
    const old = await campaignFactory(t.services, { recipients: 3 });
    const oldRun = await transitionCampaign(t.services.db, old.id, "start", { source: "app" });
    await sendRun(t.services, outboxTransport, old.id, oldRun.runId!, { workerId: "w" });
    const email = old.audience.emails[0]!;

    const sequence = await campaignFactory(t.services, { recipients: 2, steps: [{ delayMinutes: 0 }, { delayMinutes: 60 * 24 }] });
    await importLeadsCsv(t.services.db, `email\n${email}`, { listName: sequence.audience.listName });
    const seqRun = await transitionCampaign(t.services.db, sequence.id, "start", { source: "app" });
    await sendRun(t.services, outboxTransport, sequence.id, seqRun.runId!, { workerId: "w" });

    const url = await unsubscribeUrlOf(email, old.id);
    const res = await fetch(url, { method: "POST", body: new URLSearchParams({ "List-Unsubscribe": "One-Click" }) });
    expect(res.status).toBe(200);
    expect(await res.text()).toBe("unsubscribed");

    const [supp] = await t.services.db.execute<{ reason: string }>(sql`select reason from suppressions where lower(email) = lower(${email})`);
    expect(supp!.reason).toBe("unsubscribed");
    const pending = await t.services.db.execute<{ status: string }>(sql`
      select e.status from scheduled_emails e join run_recipients r on r.id = e.recipient_id where e.run_id = ${seqRun.runId} and r.email = ${email} and e.step_number = 2`);
    expect(pending.map((p) => p.status)).toEqual(["skipped"]);
    expect((await getCampaign(t.services.db, old.id))).toMatchObject({ unsubscribed: 1 });

    // A second click (or a retried POST) changes nothing more.
    await fetch(url, { method: "POST", body: new URLSearchParams({ "List-Unsubscribe": "One-Click" }) });
    expect((await getCampaign(t.services.db, old.id)).unsubscribed).toBe(1);
    expect((await verifyCounters(t.services.db)).drift).toEqual([]);
  });

  it("a GET shows a confirmation page and unsubscribes nobody (link scanners follow GETs)", async () => {
    const c = await campaignFactory(t.services, { recipients: 1 });
    const run = await transitionCampaign(t.services.db, c.id, "start", { source: "app" });
    await sendRun(t.services, outboxTransport, c.id, run.runId!, { workerId: "w" });
    const url = await unsubscribeUrlOf(c.audience.emails[0]!, c.id);
    const page = await fetch(url);
    expect(page.status).toBe(200);
    expect(await page.text()).toContain(`Stop all emails to <strong>${c.audience.emails[0]}</strong>`);
    expect(page.headers.get("cache-control"), "the page shows the address: no browser or proxy keeps it").toBe("no-store");
    const [n] = await t.services.db.execute<{ n: number }>(sql`select count(*)::int as n from suppressions where lower(email) = lower(${c.audience.emails[0]!})`);
    expect(n!.n).toBe(0);
    const confirmed = await fetch(url, { method: "POST" });
    expect(await confirmed.text()).toContain("You are unsubscribed");
  });

  it("a forged or tampered token is refused with 400 and changes nothing", async () => {
    const c = await campaignFactory(t.services, { recipients: 1 });
    const run = await transitionCampaign(t.services.db, c.id, "start", { source: "app" });
    await sendRun(t.services, outboxTransport, c.id, run.runId!, { workerId: "w" });
    const url = await unsubscribeUrlOf(c.audience.emails[0]!, c.id);
    const count = async () => (await t.services.db.execute<{ n: number }>(sql`select count(*)::int as n from suppressions`))[0]!.n;
    const before = await count();
    const [payload, mac] = url.split("/u/")[1]!.split(".");
    const otherEmail = Buffer.from(`u.${c.id}.1`).toString("base64url");
    for (const bad of [`${otherEmail}.${mac}`, `${payload}.${mac!.slice(0, -2)}xx`, "garbage", `${payload}`]) {
      const res = await fetch(`${server.base}/u/${bad}`, { method: "POST", body: new URLSearchParams({ "List-Unsubscribe": "One-Click" }) });
      expect(res.status).toBe(400);
    }
    expect(await count()).toBe(before);
    expect(await (await fetch(`${server.base}/u/garbage`)).text()).toContain("This unsubscribe link is not valid");
  });

  describe("20 people clicking the same link at once (or one person's mail app retrying) count once", () => {
    const cases = [
      { name: "a recipient not yet suppressed", before: async () => {} },
      { name: "an address already unsubscribed from another campaign", before: async (email: string) => {
        const other = await campaignFactory(t.services, { recipients: 1 });
        await importLeadsCsv(t.services.db, `email\n${email}`, { listName: other.audience.listName });
        const run = await transitionCampaign(t.services.db, other.id, "start", { source: "app" });
        await sendRun(t.services, outboxTransport, other.id, run.runId!, { workerId: "w" });
        const res = await fetch(await unsubscribeUrlOf(email, other.id), { method: "POST", body: new URLSearchParams({ "List-Unsubscribe": "One-Click" }) });
        expect(res.status).toBe(200);
      } },
      { name: "an address that bounced", before: async (email: string) => {
        await suppressAddress(t.services.db, email, "hard_bounce", { note: "mailbox does not exist" });
      } },
    ];
    for (const c of cases) {
      it(c.name, async () => {
        // A pool as large as the burst, so all 20 transactions really run at once.
        const wide = createDb(t.url, { max: 20 });
        const wideServer = await startTestServer({ ...t.services, db: wide.db });
        try {
          const campaign = await campaignFactory(t.services, { recipients: 2 });
          const run = await transitionCampaign(t.services.db, campaign.id, "start", { source: "app" });
          await sendRun(t.services, outboxTransport, campaign.id, run.runId!, { workerId: "w" });
          const email = campaign.audience.emails[0]!;
          await c.before(email);
          const url = (await unsubscribeUrlOf(email, campaign.id)).replace(server.base, wideServer.base);
          const answers = await Promise.all(Array.from({ length: 20 }, () =>
            fetch(url, { method: "POST", body: new URLSearchParams({ "List-Unsubscribe": "One-Click" }) }).then(async (r) => `${r.status} ${await r.text()}`)));
          expect(new Set(answers)).toEqual(new Set(["200 unsubscribed"]));
          expect(await getCampaign(t.services.db, campaign.id)).toMatchObject({ unsubscribed: 1 });
          const [events] = await t.services.db.execute<{ n: number }>(sql`select count(*)::int as n from email_events where campaign_id = ${campaign.id} and type = 'unsubscribed'`);
          expect(events!.n).toBe(1);
          expect((await verifyCounters(t.services.db)).drift).toEqual([]);
        } finally {
          await wideServer.close();
          await wide.close();
        }
      });
    }
  });
});
