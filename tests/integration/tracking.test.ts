import { sql } from "drizzle-orm";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { getCampaign } from "../../server/campaigns/campaigns";
import { transitionCampaign } from "../../server/campaigns/lifecycle";
import { verifyCounters } from "../../server/counters/verify";
import { outboxTransport } from "../../server/sending/outbox-transport";
import { sendRun } from "../../server/sending/send-run";
import { foldEvents } from "../../server/tracking/fold";
import { createHitWriter } from "../../server/tracking/hits";
import { signClick } from "../../server/tracking/links";
import { useTestDatabase } from "../helpers/db";
import { campaignFactory } from "../helpers/engine";
import { startTestServer } from "../helpers/http";

const t = useTestDatabase();
let server: Awaited<ReturnType<typeof startTestServer>>;
beforeAll(async () => {
  server = await startTestServer(t.services);
});
afterAll(() => server.close());

const HUMAN = "Mozilla/5.0 (Macintosh; Intel Mac OS X 14_0) AppleWebKit/605.1.15 (KHTML, like Gecko) Version/17.0 Safari/605.1.15";

async function sentCampaign(recipients: number, html = '<p>Hi {{first_name}}, read <a href="https://example.com/post?a=1&amp;b=2">the post</a></p>') {
  const c = await campaignFactory(t.services, { recipients });
  await t.services.db.execute(sql`update templates set html = ${html} where id = ${c.templates[0]!.id}`);
  const run = await transitionCampaign(t.services.db, c.id, "start", { source: "app" });
  await sendRun(t.services, outboxTransport, c.id, run.runId!, { workerId: "w" });
  // Pretend the mail went out a minute ago, so opens are not within seconds of the send.
  await t.services.db.execute(sql`update scheduled_emails set sent_at = now() - interval '1 minute' where run_id = ${run.runId}`);
  const messages = await t.services.db.execute<{ to_address: string; html: string }>(sql`select to_address, html from outbox_messages where campaign_id = ${c.id} order by to_address`);
  const local = (u: string) => u.replace("http://localhost:3000", server.base);
  return {
    c, runId: run.runId!,
    links: messages.map((m) => ({
      to: m.to_address,
      pixel: local(m.html.match(/src="([^"]+\/o\/[^"]+)"/)![1]!),
      click: local(m.html.match(/href="([^"]+\/c\/[^"]+)"/)![1]!),
      unsubscribe: m.html.match(/href="([^"]+\/u\/[^"]+)"/)![1]!,
    })),
  };
}

describe("open and click tracking", () => {
  it("rewrites links to signed click URLs that redirect to exactly the original link, and counts opens and clicks once per recipient", async () => {
    const { c, links } = await sentCampaign(3);
    expect(links[0]!.unsubscribe).toContain("/u/"); // the unsubscribe link is left alone
    const click = await fetch(links[0]!.click, { redirect: "manual", headers: { "user-agent": HUMAN } });
    expect(click.status).toBe(302);
    expect(click.headers.get("location")).toBe("https://example.com/post?a=1&b=2");
    for (let i = 0; i < 3; i++) {
      const pixel = await fetch(links[1]!.pixel, { headers: { "user-agent": HUMAN } });
      expect(pixel.headers.get("content-type")).toBe("image/gif");
    }
    // A click waits out the burst window before it is counted; fold as of a minute later.
    expect(await foldEvents(t.services.db, 5000, { now: new Date(Date.now() + 60_000) })).toBe(4);
    const campaign = await getCampaign(t.services.db, c.id);
    // recipient 0 clicked (a click implies an open); recipient 1 opened three times
    expect(campaign).toMatchObject({ opened: 2, clicked: 1, humanOpened: 2, humanClicked: 1 });
    expect(campaign.currentRun).toMatchObject({ opened: 2, clicked: 1, humanOpened: 2, humanClicked: 1 });
    const [stats] = await t.services.db.execute<{ opened: number; unique_opened: number; clicked: number; unique_clicked: number }>(sql`
      select sum(opened)::int as opened, sum(unique_opened)::int as unique_opened, sum(clicked)::int as clicked, sum(unique_clicked)::int as unique_clicked
      from campaign_daily_stats where campaign_id = ${c.id}`);
    expect(stats).toEqual({ opened: 3, unique_opened: 2, clicked: 1, unique_clicked: 1 });
    expect((await verifyCounters(t.services.db)).drift).toEqual([]);
  });

  it("flags privacy-proxy and scanner opens as machine opens: recorded, but not counted as people", async () => {
    const { c, links } = await sentCampaign(2);
    await fetch(links[0]!.pixel, { headers: { "user-agent": "Mozilla/5.0" } }); // Apple Mail Privacy Protection
    await fetch(links[1]!.pixel, { headers: { "user-agent": "Barracuda Sentinel (EE)" } });
    await foldEvents(t.services.db);
    const campaign = await getCampaign(t.services.db, c.id);
    expect(campaign.opened).toBe(0);
    const [stats] = await t.services.db.execute<{ opened: number; machine_opened: number; unique_opened: number }>(sql`
      select sum(opened)::int as opened, sum(machine_opened)::int as machine_opened, sum(unique_opened)::int as unique_opened from campaign_daily_stats where campaign_id = ${c.id}`);
    expect(stats).toEqual({ opened: 2, machine_opened: 2, unique_opened: 0 });
  });

  it("an open within seconds of the send is a machine open", async () => {
    const { c, runId, links } = await sentCampaign(1);
    await t.services.db.execute(sql`update scheduled_emails set sent_at = now() where run_id = ${runId}`);
    await fetch(links[0]!.pixel, { headers: { "user-agent": HUMAN } });
    await foldEvents(t.services.db);
    const [event] = await t.services.db.execute<{ machine: boolean }>(sql`select machine from email_events where campaign_id = ${c.id} and type = 'opened'`);
    expect(event!.machine).toBe(true);
  });

  it("refuses tampered click links (no open redirect) and records nothing for forged tokens", async () => {
    const { c, links } = await sentCampaign(1);
    const token = links[0]!.click.split("/c/")[1]!;
    const [payload, mac] = token.split(".");
    const evil = Buffer.from(Buffer.from(payload!, "base64url").toString().replace("https://example.com/post?a=1&b=2", "https://evil.example.net/")).toString("base64url");
    for (const bad of [`${evil}.${mac}`, signClick("not-our-secret-not-our-secret-000000", c.id, 1, "https://evil.example.net/"), "garbage"]) {
      const res = await fetch(`${server.base}/c/${bad}`, { redirect: "manual" });
      expect(res.status).toBe(400);
      expect(res.headers.get("location")).toBeNull();
    }
    const forgedPixel = await fetch(`${server.base}/o/${payload}.AAAAAAAAAAAAAAAAAAAAAA.gif`);
    expect(forgedPixel.status).toBe(200);
    const [n] = await t.services.db.execute<{ n: number }>(sql`select count(*)::int as n from event_folds where campaign_id = ${c.id}`);
    expect(n!.n).toBe(0);
  });

  describe("machine clicks", () => {
    const TWO_LINKS = '<p>Hi {{first_name}}, see <a href="https://example.com/pricing">pricing</a> or <a href="https://example.com/demo">a demo</a></p>';
    const hrefs = (html: string) => [...html.matchAll(/href="([^"]+\/c\/[^"]+)"/g)].map((m) => m[1]!.replace("http://localhost:3000", server.base));
    const later = () => new Date(Date.now() + 60_000);
    const clicks = (campaignId: number) => t.services.db.execute<{ link: string; machine: boolean; reasons: string[] | null }>(sql`
      select data->>'link' as link, machine, data->'machineReasons' as reasons from email_events_judged where campaign_id = ${campaignId} and type = 'clicked' order by occurred_at, id`);

    it("every email carries a hidden, signed decoy link no person sees; following it redirects but is a machine's click", async () => {
      const { c } = await sentCampaign(1);
      const [message] = await t.services.db.execute<{ html: string }>(sql`select html from outbox_messages where campaign_id = ${c.id}`);
      const decoy = message!.html.match(/<a href="([^"]+\/c\/[^"]+)" style="display:none" aria-hidden="true" tabindex="-1"><\/a>/);
      expect(decoy).not.toBeNull();
      const res = await fetch(decoy![1]!.replace("http://localhost:3000", server.base), { redirect: "manual", headers: { "user-agent": HUMAN } });
      expect(res.status).toBe(302);
      await foldEvents(t.services.db, 5000, { now: later() });
      expect(await clicks(c.id)).toEqual([expect.objectContaining({ machine: true, reasons: ["decoy"] })]);
      expect(await getCampaign(t.services.db, c.id)).toMatchObject({ clicked: 1, humanClicked: 0, humanOpened: 0 });
    });

    it("a HEAD request or a scanner's agent still gets the redirect, is recorded with its reason and kept out of the people who clicked", async () => {
      const { c, links } = await sentCampaign(2);
      const head = await fetch(links[0]!.click, { method: "HEAD", redirect: "manual", headers: { "user-agent": HUMAN } });
      expect(head.status).toBe(302);
      expect(head.headers.get("location")).toBe("https://example.com/post?a=1&b=2");
      const scanner = await fetch(links[1]!.click, { redirect: "manual", headers: { "user-agent": "Mozilla/5.0 (compatible; Microsoft Office Protection; SafeLinks)" } });
      expect(scanner.headers.get("location")).toBe("https://example.com/post?a=1&b=2");
      await foldEvents(t.services.db, 5000, { now: later() });
      expect((await clicks(c.id)).map((e) => e.reasons)).toEqual([["head"], ["scanner-agent"]]);
      expect(await getCampaign(t.services.db, c.id)).toMatchObject({ clicked: 2, humanClicked: 0 });
      const [day] = await t.services.db.execute<{ clicked: number; machine_clicked: number; human_clicked: number }>(sql`
        select sum(clicked)::int as clicked, sum(machine_clicked)::int as machine_clicked, sum(human_clicked)::int as human_clicked from campaign_daily_stats where campaign_id = ${c.id}`);
      expect(day).toEqual({ clicked: 2, machine_clicked: 2, human_clicked: 0 });
    });

    it("several links of one email clicked in one burst are all a machine's, the first one too, while one link clicked twice is a person", async () => {
      const { c } = await sentCampaign(2, TWO_LINKS);
      const messages = await t.services.db.execute<{ html: string }>(sql`select html from outbox_messages where campaign_id = ${c.id} order by to_address`);
      const [scanned, person] = messages.map((m) => hrefs(m.html));
      for (const url of [scanned![0]!, scanned![1]!]) await fetch(url, { redirect: "manual", headers: { "user-agent": HUMAN } });
      for (const url of [person![0]!, person![0]!]) await fetch(url, { redirect: "manual", headers: { "user-agent": HUMAN } });
      // Not counted before the burst window has passed: the first click of a burst must never count as a person's.
      await foldEvents(t.services.db);
      expect((await getCampaign(t.services.db, c.id)).clicked).toBe(0);
      await foldEvents(t.services.db, 5000, { now: later() });
      const events = await clicks(c.id);
      expect(events.filter((e) => e.machine).map((e) => e.reasons)).toEqual([["burst"], ["burst"]]);
      expect(events.filter((e) => !e.machine).map((e) => e.link)).toEqual(["https://example.com/pricing", "https://example.com/pricing"]);
      expect(await getCampaign(t.services.db, c.id)).toMatchObject({ clicked: 2, humanClicked: 1, humanOpened: 1 });
      expect((await verifyCounters(t.services.db)).drift).toEqual([]);
    });

    it("a burst recorded by two processes at the same moment is still a machine's: the fold checks again once both are in the log", async () => {
      const { c } = await sentCampaign(1, TWO_LINKS);
      const [email] = await t.services.db.execute<{ id: number }>(sql`select id from scheduled_emails where campaign_id = ${c.id}`);
      const at = new Date(Date.now() - 30_000);
      const click = (link: string) => ({ campaignId: c.id, scheduledEmailId: Number(email!.id), type: "clicked" as const, occurredAt: at, data: { link }, userAgent: HUMAN });
      // Two web processes, each with its own group commit: neither statement sees the other's uncommitted click.
      await Promise.all([createHitWriter(t.services.db).record(click("https://example.com/pricing")), createHitWriter(t.services.db).record(click("https://example.com/demo"))]);
      await foldEvents(t.services.db, 5000, { now: later() });
      expect((await clicks(c.id)).map((e) => [e.machine, e.reasons])).toEqual([[true, ["burst"]], [true, ["burst"]]]);
      expect(await getCampaign(t.services.db, c.id)).toMatchObject({ clicked: 1, humanClicked: 0 });
      expect((await verifyCounters(t.services.db)).drift).toEqual([]);
    });

    it("a click within seconds of the send is a machine's; a click with no open before it, later on, is a person's", async () => {
      const { c, runId, links } = await sentCampaign(2);
      await t.services.db.execute(sql`update scheduled_emails set sent_at = now() where run_id = ${runId} and recipient_id = (select min(recipient_id) from scheduled_emails where run_id = ${runId})`);
      const [first] = await t.services.db.execute<{ to_address: string }>(sql`
        select r.email as to_address from run_recipients r where r.run_id = ${runId} order by r.id limit 1`);
      const early = links.find((l) => l.to === first!.to_address)!;
      const late = links.find((l) => l.to !== first!.to_address)!;
      await fetch(early.click, { redirect: "manual", headers: { "user-agent": HUMAN } });
      await fetch(late.click, { redirect: "manual", headers: { "user-agent": HUMAN } });
      await foldEvents(t.services.db, 5000, { now: later() });
      expect((await clicks(c.id)).map((e) => e.reasons)).toEqual([["early"], null]);
      expect(await getCampaign(t.services.db, c.id)).toMatchObject({ clicked: 2, humanClicked: 1, humanOpened: 1, opened: 2 });
    });
  });
});
