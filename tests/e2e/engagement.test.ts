import { readFileSync } from "node:fs";
import { sql } from "drizzle-orm";
import type { Browser, Page } from "playwright-core";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { transitionCampaign } from "../../server/campaigns/lifecycle";
import { verifyCounters } from "../../server/counters/verify";
import { outboxTransport } from "../../server/sending/outbox-transport";
import { sendRun } from "../../server/sending/send-run";
import { foldEvents } from "../../server/tracking/fold";
import { launchChromium, screenshot } from "../helpers/browser";
import { useTestDatabase } from "../helpers/db";
import { campaignFactory } from "../helpers/engine";
import { userFactory } from "../helpers/factories";
import { startTestServer } from "../helpers/http";

/**
 * Engagement you can trust, in the browser: human figures beside the raw
 * ones, the per-link table with scanners apart, a filtered recipient export,
 * and a rerun for the people who did not open as a person.
 */
const t = useTestDatabase();
let server: Awaited<ReturnType<typeof startTestServer>>;
let browser: Browser;
let page: Page;
const HUMAN = "Mozilla/5.0 (Windows NT 10.0; Win64; x64) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/131.0.0.0 Safari/537.36";
const LINKS = ["https://example.com/pricing", "https://example.com/demo"];
const db = () => t.services.db;

beforeAll(async () => {
  server = await startTestServer(t.services);
  browser = await launchChromium();
  page = await browser.newPage({ viewport: { width: 1280, height: 900 }, acceptDownloads: true });
  page.on("dialog", (d) => void d.accept());
}, 60_000);
afterAll(async () => {
  await browser?.close();
  await server?.close();
});

async function download(link: ReturnType<Page["getByRole"]>) {
  const [file] = await Promise.all([page.waitForEvent("download"), link.click()]);
  return readFileSync((await file.path())!, "utf8").trim().split("\n");
}

describe("engagement on screen", () => {
  it("shows links with scanners apart, exports a filtered list of recipients and reruns for the human non-openers", async () => {
    const c = await campaignFactory(t.services, { recipients: 4, settings: { name: "Scanned launch" } });
    await db().execute(sql`update templates set html = ${`<p>Hi {{first_name}}: <a href="${LINKS[0]}">pricing</a>, <a href="${LINKS[1]}">demo</a></p>`} where id = ${c.templates[0]!.id}`);
    const run = await transitionCampaign(db(), c.id, "start", { source: "app" });
    await sendRun(t.services, outboxTransport, c.id, run.runId!, { workerId: "e2e" });
    await db().execute(sql`update scheduled_emails set sent_at = now() - interval '1 hour' where run_id = ${run.runId}`);
    const messages = await db().execute<{ to_address: string; html: string }>(sql`select to_address, html from outbox_messages where campaign_id = ${c.id} order by to_address`);
    const local = (u: string) => u.replace("http://localhost:3000", server.base);
    const urls = messages.map((m) => ({
      email: m.to_address,
      pixel: local(m.html.match(/src="([^"]+\/o\/[^"]+)"/)![1]!),
      clicks: [...m.html.matchAll(/<a href="([^"]+\/c\/[^"]+)">/g)].map((x) => local(x[1]!)),
    }));
    const hit = (url: string, init: RequestInit & { ua?: string } = {}) => fetch(url, { redirect: "manual", ...init, headers: { "user-agent": init.ua ?? HUMAN } });
    // A person reads and clicks pricing; Apple's proxy and a burst scanner hit the second; a HEAD prober the third; the fourth does nothing.
    await hit(urls[0]!.pixel);
    await hit(urls[0]!.clicks[0]!);
    await hit(urls[1]!.pixel, { ua: "Mozilla/5.0" });
    await Promise.all([hit(urls[1]!.clicks[0]!), hit(urls[1]!.clicks[1]!)]);
    await hit(urls[2]!.clicks[1]!, { method: "HEAD" });
    await foldEvents(db(), 5000, { now: new Date(Date.now() + 60_000) });
    expect((await verifyCounters(db())).drift).toEqual([]);

    const editor = await userFactory(t.services, { role: "editor" });
    await page.goto(`${server.base}/login`);
    await page.getByLabel("Email").fill(editor.email);
    await page.getByLabel("Password").fill(editor.password);
    await page.getByRole("button", { name: "Sign in" }).click();
    await page.waitForURL(/\/campaigns$/);
    const row = page.getByRole("row", { name: /Scanned launch/ });
    expect(await row.getByTestId("human-open-rate").innerText(), "people who opened or clicked as a person: only the first").toBe("25%");
    expect(await row.getByTestId("human-click-rate").innerText()).toBe("25%");

    await page.goto(`${server.base}/campaigns/${c.id}`);
    const kpi = async (label: string) => (await page.getByText(label, { exact: true }).first().locator("..").innerText()).replace(/\s+/g, " ");
    expect(await kpi("Open rate (people)")).toContain("75%"); // raw: the scanned and probed people count as opened
    expect(await kpi("Human open rate (people)")).toMatch(/25%.*1 of 4 people reached, machines left out/);
    expect(await kpi("Human click-to-open (clickers of openers)")).toContain("100%");
    const links = page.getByRole("table", { name: "Links of every run" });
    const cells = async (name: string) => (await links.getByRole("row", { name: new RegExp(name) }).locator("td").allInnerTexts()).map((s) => s.trim());
    expect(await cells(LINKS[0]!)).toEqual([LINKS[0], "1", "1", "1", "1", "several links at once (1)"]);
    expect((await cells(LINKS[1]!)).slice(0, 5)).toEqual([LINKS[1], "0", "0", "2", "2"]);
    expect((await cells(LINKS[1]!))[5]).toMatch(/HEAD request \(1\)/);
    await screenshot(page, "engagement-01-campaign-links");

    await page.goto(`${server.base}/analytics?campaign=${c.id}`);
    expect(await kpi("Human click rate (people)")).toMatch(/25%.*1 of 4 people reached; human click-to-open 100%/);
    expect(await kpi("Machine clicks")).toMatch(/75%.*3 of 4 clicks/);
    await screenshot(page, "engagement-02-analytics");

    await page.goto(`${server.base}/campaigns/${c.id}/runs/1`);
    await page.getByLabel("Filter recipients by what they did").selectOption("not_human_opened");
    await page.getByRole("button", { name: "Filter" }).click();
    await page.waitForURL(/did=not_human_opened/);
    await expect.poll(() => page.getByRole("table", { name: "Recipients" }).locator("tbody tr").count()).toBe(3);
    await screenshot(page, "engagement-03-run-not-human-opened");
    const csv = await download(page.getByRole("link", { name: "Export 3 shown as CSV" }));
    expect(csv[0]).toBe("email,status,first_sent_at,human_opened_at,human_clicked_at,opened_at_any,clicked_at_any,replied_at,bounced_at,last_error");
    expect(csv.slice(1).map((l) => l.split(",")[0])).toEqual([urls[1]!.email, urls[2]!.email, urls[3]!.email]);
    await page.getByLabel("Filter recipients by what they did").selectOption("human_clicked");
    await page.getByRole("button", { name: "Filter" }).click();
    await page.waitForURL(/did=human_clicked/);
    const clickers = await download(page.getByRole("link", { name: "Export 1 shown as CSV" }));
    expect(clickers.slice(1).map((l) => l.split(",")[0])).toEqual([urls[0]!.email]);

    await page.goto(`${server.base}/campaigns/${c.id}`);
    await page.getByLabel("Rerun for").selectOption("not_human_opened");
    await page.getByRole("button", { name: "Rerun" }).click();
    const ask = page.getByRole("dialog");
    await expect.poll(() => ask.innerText()).toMatch(/3 people \(only those mailed who did not open as a person\) will get one email/);
    await ask.getByRole("button", { name: "Start run 2" }).click();
    await expect.poll(() => page.getByRole("link", { name: "Run 2" }).count(), { timeout: 20_000 }).toBe(1);
    const rerun = await db().execute<{ email: string }>(sql`
      select r.email from run_recipients r join campaign_runs cr on cr.campaign_id = r.campaign_id and cr.id = r.run_id
      where r.campaign_id = ${c.id} and cr.run_number = 2 and cr.audience = 'not_human_opened' order by r.email`);
    expect(rerun.map((r) => r.email)).toEqual([urls[1]!.email, urls[2]!.email, urls[3]!.email]);
    await screenshot(page, "engagement-04-rerun-human-non-openers");
  }, 90_000);
});
