import { sql } from "drizzle-orm";
import type { Browser, BrowserContext, Page } from "playwright-core";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { transitionCampaign } from "../../server/campaigns/lifecycle";
import { seedDemoData } from "../../server/demo/seed";
import { outboxTransport } from "../../server/sending/outbox-transport";
import { sendRun } from "../../server/sending/send-run";
import { launchChromium, screenshot } from "../helpers/browser";
import { useTestDatabase } from "../helpers/db";
import { campaignFactory } from "../helpers/engine";
import { userFactory } from "../helpers/factories";
import { startTestServer } from "../helpers/http";

/**
 * Issue 16 in the browser, at desktop (1360 px) and phone (390 px) widths, in
 * a browser whose time zone differs from the server's (so a date formatted
 * differently on each side would show as a hydration error). Every page
 * visited fails the test on any console error or uncaught exception.
 */
const t = useTestDatabase();
let server: Awaited<ReturnType<typeof startTestServer>>;
let browser: Browser;
let editor: { email: string; password: string };
const consoleErrors: string[] = [];

async function signedInPage(width: number): Promise<{ context: BrowserContext; page: Page }> {
  const context = await browser.newContext({ viewport: { width, height: 900 }, timezoneId: "America/New_York", locale: "de-DE", acceptDownloads: true });
  const page = await context.newPage();
  page.on("console", (m) => { if (m.type() === "error") consoleErrors.push(`${page.url()}: ${m.text()}`); });
  page.on("pageerror", (e) => consoleErrors.push(`${page.url()}: ${e.message}`));
  await page.goto(`${server.base}/login`);
  await page.getByLabel("Email").fill(editor.email);
  await page.getByLabel("Password").fill(editor.password);
  await page.getByRole("button", { name: "Sign in" }).click();
  await page.waitForURL(/\/campaigns$/);
  return { context, page };
}

/** Waits until React has hydrated and any recoverable error would have been logged. */
async function visit(page: Page, path: string) {
  await page.goto(`${server.base}${path}`);
  await page.waitForLoadState("load");
  await page.waitForTimeout(300);
}

const overflow = (page: Page) => page.evaluate(() => ({ scroll: document.documentElement.scrollWidth, viewport: window.innerWidth }));
const campaignId = async (name: string) => (await t.services.db.execute<{ id: number }>(sql`select id from campaigns where name = ${name}`))[0]!.id;

beforeAll(async () => {
  await seedDemoData(t.services.db);
  editor = await userFactory(t.services, { role: "admin" });
  server = await startTestServer(t.services);
  browser = await launchChromium();
}, 60_000);
afterAll(async () => {
  await browser?.close();
  await server?.close();
});

describe("daily work without friction (issue 16)", () => {
  it("pages render without hydration or console errors in a browser whose time zone and locale differ from the server's", async () => {
    const { context, page } = await signedInPage(1360);
    consoleErrors.length = 0;
    const draft = await campaignId("November product update");
    for (const path of ["/campaigns", `/campaigns/${draft}`, `/campaigns/${draft}/edit`, "/analytics", "/analytics?g=week", "/team", "/templates", "/leads", "/suppressions", "/outbox", "/sync", "/account"]) await visit(page, path);
    expect(consoleErrors).toEqual([]);
    await context.close();
  }, 60_000);

  it("an unknown address shows a 404 page inside the app, with its navigation; a bad date range is said inline", async () => {
    const { context, page } = await signedInPage(1360);
    const res = await page.goto(`${server.base}/no/such/page`);
    expect(res!.status()).toBe(404);
    expect(await page.getByRole("heading", { name: "Page not found" }).count()).toBe(1);
    expect(await page.getByRole("navigation", { name: "Main" }).getByRole("link", { name: "Campaigns" }).count()).toBe(1);
    expect(await page.getByText("No route matches").count()).toBe(0);
    await screenshot(page, "i16-01-not-found");

    const bad = await page.goto(`${server.base}/analytics?from=2026-05-01&to=2026-04-01`);
    expect(bad!.status()).toBe(400);
    expect(await page.getByRole("alert").innerText()).toBe("The range ends before it starts: swap from and to.");
    expect(await page.getByRole("navigation", { name: "Main" }).count()).toBe(1);
    expect(await page.getByRole("button", { name: "Show" }).count()).toBe(1);
    await screenshot(page, "i16-02-bad-range");
    await context.close();
  });

  it("charts have axes and dates, say when a range is empty, and the table downloads as CSV", async () => {
    const c = await campaignFactory(t.services, { recipients: 3, settings: { name: "Chart data" } });
    const day = "2026-11-02";
    // One day of figures, as the send path and the fold would have left them.
    await t.services.db.execute(sql`insert into campaign_daily_stats (campaign_id, run_id, day, sent, delivered, opened, unique_opened, clicked, unique_clicked, people_sent)
      values (${c.id}, 1, ${day}::date, 40, 38, 20, 12, 6, 5, 40)`);
    const { context, page } = await signedInPage(1360);
    await visit(page, `/analytics?campaign=${c.id}&from=2026-11-01&to=2026-11-03`);
    const charts = page.locator(".chart-box[role=img]");
    await expect.poll(() => charts.count()).toBe(2);
    // Axes with dates: the x axis names days like "2 Nov".
    expect(await page.locator(".recharts-xAxis .recharts-cartesian-axis-tick").count()).toBeGreaterThan(2);
    expect((await charts.first().locator(".recharts-cartesian-axis-tick-value").allTextContents()).join(" ")).toMatch(/\d+ (Oct|Nov)/);
    // Hovering shows the values of that day.
    const box = (await charts.first().boundingBox())!;
    await page.mouse.move(box.x + box.width / 2, box.y + box.height / 2);
    await expect.poll(() => page.locator(".recharts-tooltip-wrapper").first().innerText()).toMatch(/sent\s*:\s*40/);
    // Opened and clicked (by anyone, and as a person) and replied are separate lines, not stacked on each other.
    expect(await page.locator(".recharts-line").count()).toBe(5);
    await screenshot(page, "i16-03-analytics-chart");

    const download = page.waitForEvent("download");
    await page.getByRole("link", { name: "Download CSV" }).click();
    const file = await download;
    const text = await (await file.createReadStream()).toArray().then((chunks) => Buffer.concat(chunks).toString("utf8"));
    expect(text.split("\n")[0]).toBe("period,sent,delivered,people_mailed,people_opened,machine_opens,people_clicked,replied,bounced,unsubscribed,open_rate,click_rate,"
      + "people_texted,texts_sent,texts_delivered,texts_failed,people_text_delivered,sms_replies,sms_opt_outs,sms_delivery_rate_people,sms_reply_rate_people,sms_opt_out_rate_people,sms_delivery_rate_per_text,sms_cost,sms_cost_currency");
    expect(text).toContain("2026-11-02,40,38,");

    await visit(page, `/analytics?campaign=${c.id}&from=2025-01-01&to=2025-01-31`);
    expect(await page.getByText("No data in this range").count()).toBe(2);
    await screenshot(page, "i16-04-analytics-empty");
    await context.close();
  });

  it("a future start says Schedule; the cancel dialog says Cancel campaign / Keep sending; a cancelled run claims nothing remaining", async () => {
    const later = await campaignFactory(t.services, { recipients: 2, settings: { name: "Starts later", startAt: new Date(Date.now() + 3 * 86_400_000) } });
    const running = await campaignFactory(t.services, { recipients: 30, settings: { name: "Sending now", throttlePerMinute: 1 } });
    await transitionCampaign(t.services.db, running.id, "start", { source: "app" });
    const { context, page } = await signedInPage(1360);

    await visit(page, `/campaigns/${later.id}`);
    expect(await page.getByRole("button", { name: "Schedule" }).count()).toBe(1);
    expect(await page.getByRole("button", { name: "Start", exact: true }).count()).toBe(0);
    await page.getByRole("button", { name: "Schedule" }).click();
    const ask = page.getByRole("dialog");
    await expect.poll(() => ask.isVisible()).toBe(true);
    expect(await ask.getByRole("heading").innerText()).toMatch(/^Schedule "Starts later" for /);
    await ask.getByRole("button", { name: "Schedule" }).click();
    await expect.poll(() => page.locator("h1 .badge").first().textContent()).toBe("scheduled");

    await visit(page, `/campaigns/${running.id}`);
    await page.getByRole("button", { name: "Cancel campaign" }).click();
    const dialog = page.getByRole("dialog", { name: 'Cancel "Sending now"?' });
    await expect.poll(() => dialog.isVisible()).toBe(true);
    expect(await dialog.getByRole("button").allInnerTexts()).toEqual(["Keep sending", "Cancel campaign"]);
    await screenshot(page, "i16-05-cancel-dialog");
    await dialog.getByRole("button", { name: "Keep sending" }).click();
    expect(await dialog.isVisible()).toBe(false);
    expect(await page.locator("h1 .badge").first().textContent()).toBe("running");

    await page.getByRole("button", { name: "Cancel campaign" }).click();
    await dialog.getByRole("button", { name: "Cancel campaign" }).click();
    await expect.poll(() => page.locator("h1 .badge").first().textContent()).toBe("cancelled");
    expect(await page.getByText(/remaining/).count()).toBe(0);
    expect(await page.getByTestId("progress-left").innerText()).toBe("30 never sent: the run was cancelled");
    await visit(page, "/campaigns?q=Sending%20now");
    expect(await page.getByText(/left of/).count()).toBe(0);
    expect(await page.getByText("0 sent · 30 not sent (cancelled) of 30").count()).toBe(1);
    await context.close();
  });

  it("duplicates a campaign into a draft, archives and un-archives it, and deletes a draft; a live campaign cannot be archived", async () => {
    const c = await campaignFactory(t.services, { recipients: 4, steps: [{ delayMinutes: 0 }, { delayMinutes: 60 }], settings: { name: "Keep tidy", kind: "sequence" } });
    const { context, page } = await signedInPage(1360);
    await visit(page, `/campaigns/${c.id}`);
    await page.getByRole("button", { name: "Duplicate" }).click();
    await page.waitForURL(/\/campaigns\/\d+\/edit$/);
    await expect.poll(() => page.getByRole("heading", { level: 1 }).innerText()).toBe("Edit Keep tidy (copy)");
    expect(await page.locator(".step-row").count()).toBe(2);
    const copyId = await campaignId("Keep tidy (copy)");

    await visit(page, `/campaigns/${c.id}`);
    await page.getByRole("button", { name: "Archive" }).click();
    await page.getByRole("dialog").getByRole("button", { name: "Archive campaign" }).click();
    await expect.poll(() => page.getByRole("status").innerText()).toContain('Archived "Keep tidy"');
    await visit(page, "/campaigns?q=Keep%20tidy");
    expect(await page.getByRole("link", { name: "Keep tidy", exact: true }).count()).toBe(0);
    expect(await page.getByRole("link", { name: "Keep tidy (copy)" }).count()).toBe(1);
    await visit(page, "/campaigns?q=Keep%20tidy&archived=only");
    expect(await page.getByRole("link", { name: "Keep tidy", exact: true }).count()).toBe(1);
    await page.getByRole("link", { name: "Keep tidy", exact: true }).click();
    await page.getByRole("button", { name: "Un-archive" }).click();
    await expect.poll(() => page.getByRole("status").innerText()).toContain("is back in the campaign list");

    await visit(page, `/campaigns/${copyId}`);
    await page.getByRole("button", { name: "Delete draft" }).click();
    await page.getByRole("dialog").getByRole("button", { name: "Delete draft" }).click();
    await page.waitForURL(/\/campaigns$/);
    expect((await t.services.db.execute(sql`select 1 from campaigns where id = ${copyId}`)).length).toBe(0);

    // Server-side refusals, whatever the page shows.
    const live = await campaignFactory(t.services, { recipients: 2, settings: { name: "Live one", throttlePerMinute: 1 } });
    await transitionCampaign(t.services.db, live.id, "start", { source: "app" });
    const refused = await page.evaluate(async (id) => {
      const archive = await fetch(`/campaigns/${id}`, { method: "POST", body: new URLSearchParams({ intent: "archive" }) });
      const del = await fetch(`/campaigns/${id}`, { method: "POST", body: new URLSearchParams({ intent: "delete" }) });
      return [await archive.text(), await del.text()];
    }, live.id);
    expect(refused[0]).toContain('\\"Live one\\" is running: pause and cancel it, or let its run complete, before archiving it.');
    expect(refused[1]).toContain("only a draft that never ran can be deleted");
    await context.close();
  });

  it("leads: imports flag suppressed addresses and keep a bad time zone as a warning; a list page browses and exports; a lead is edited and deleted", async () => {
    await t.services.db.execute(sql`insert into suppressions (email, reason) values ('blocked@example.com', 'complaint')`);
    const { context, page } = await signedInPage(1360);
    await visit(page, "/leads");
    const rows = ["email,first_name,time_zone", ...Array.from({ length: 60 }, (_, i) => `browse-${String(i).padStart(2, "0")}@example.com,B${i},`), "blocked@example.com,Blocked,", "zoned@example.com,Zoned,Moon/Crater"];
    await page.setInputFiles('input[name="file"]', { name: "leads.csv", mimeType: "text/csv", buffer: Buffer.from(rows.join("\n")) });
    await page.getByLabel("Into list").fill("Browse me");
    await page.getByRole("button", { name: "Import" }).click();
    await expect.poll(() => page.getByTestId("import-suppressed").innerText()).toBe("1 address is suppressed and will never be mailed: blocked@example.com (line 62).");
    expect(await page.getByRole("cell", { name: /"Moon\/Crater" is not a time zone .* imported without one/ }).count()).toBe(1);
    expect(await page.getByRole("status").innerText()).toContain("62 new");
    await screenshot(page, "i16-07-import-report");

    await page.getByRole("link", { name: "Browse me" }).click();
    await page.waitForURL(/\/lists\/\d+$/);
    await expect.poll(() => page.locator("table.data tbody tr").count()).toBe(50);
    expect(await page.getByText("Page 1 of 2 · 62 members").count()).toBe(1);
    await page.getByRole("link", { name: "Next →" }).click();
    await expect.poll(() => page.locator("table.data tbody tr").count()).toBe(12);
    const download = page.waitForEvent("download");
    await page.getByRole("link", { name: "Export CSV" }).click();
    const csv = await (await download).createReadStream().then((s) => s.toArray()).then((c) => Buffer.concat(c).toString("utf8"));
    expect(csv.trim().split("\n")).toHaveLength(63);
    await page.getByLabel("Select zoned@example.com").check();
    await page.getByRole("button", { name: "Remove the ticked leads from the list" }).click();
    await page.getByRole("dialog").getByRole("button", { name: "Remove from list" }).click();
    await expect.poll(() => page.getByRole("status").innerText()).toContain("Removed 1 lead from the list");
    await screenshot(page, "i16-08-list-page");

    await visit(page, "/leads?q=browse-07");
    await page.getByRole("link", { name: "browse-07@example.com" }).click();
    await page.waitForURL(/\/leads\/\d+$/);
    await page.getByText("Edit this lead").click();
    await page.getByLabel("Company").fill("Renamed Co");
    await page.getByLabel("Browse me").uncheck();
    await page.getByRole("button", { name: "Save lead" }).click();
    await expect.poll(() => page.getByRole("status").innerText()).toContain("Saved");
    await expect.poll(() => page.locator("dl.facts").innerText()).toContain("Renamed Co");
    await screenshot(page, "i16-09-lead-edit");
    if (!(await page.getByRole("button", { name: "Delete lead" }).isVisible())) await page.getByText("Edit this lead").click();
    await page.getByRole("button", { name: "Delete lead" }).click();
    await page.getByRole("dialog").getByRole("button", { name: "Delete lead" }).click();
    await page.waitForURL(/\/leads\?deleted=/);
    expect((await t.services.db.execute(sql`select 1 from leads where email = 'browse-07@example.com'`)).length).toBe(0);
    await context.close();
  }, 60_000);

  it("templates: used by, merge-tag picker, plain text from the HTML, preview as another lead of the audience", async () => {
    const [intro] = await t.services.db.execute<{ id: number }>(sql`select id from templates where name = 'Intro'`);
    const { context, page } = await signedInPage(1360);
    await visit(page, `/templates/${intro!.id}`);
    expect(await page.getByTestId("used-by").innerText()).toContain("Design partner outreach");
    await page.getByLabel("HTML").fill("<p>Hello</p><p>See <a href=\"https://example.com\">the news</a></p>");
    await page.getByLabel("Insert a merge tag", { exact: true }).selectOption("company");
    expect(await page.getByLabel("HTML").inputValue()).toContain("{{company|}}");
    await page.getByRole("button", { name: "Generate plain text from the HTML" }).click();
    await expect.poll(() => page.getByLabel("Plain text").inputValue()).toContain("See the news (https://example.com)");
    await page.getByLabel("Find a lead to preview as").fill("grace");
    await expect.poll(() => page.getByLabel("Preview as", { exact: true }).locator("option").first().textContent()).toMatch(/^grace\./);
    await expect.poll(() => page.getByRole("heading", { name: /^Preview/ }).innerText()).toMatch(/for grace\.\d+@example\.com/);
    await screenshot(page, "i16-10-template");
    await context.close();
  }, 60_000);

  it("at 390 px the navigation is a menu and no page scrolls sideways", async () => {
    // Real messages in the Outbox and a run with recipients, long addresses included.
    const sent = await campaignFactory(t.services, { recipients: 3, steps: [{ delayMinutes: 0 }, { delayMinutes: 60 }], settings: { name: "Phone check with a rather long campaign name", kind: "sequence" } });
    const { runId } = await transitionCampaign(t.services.db, sent.id, "start", { source: "app" });
    await sendRun(t.services, outboxTransport, sent.id, runId!, { workerId: "phone-test" });
    const [message] = await t.services.db.execute<{ id: number }>(sql`select id from outbox_messages order by id limit 1`);
    const { context, page } = await signedInPage(390);
    const nav = page.getByRole("navigation", { name: "Main" });
    expect(await nav.isVisible()).toBe(false);
    await page.getByRole("button", { name: "Menu" }).click();
    expect(await nav.isVisible()).toBe(true);
    await screenshot(page, "i16-06-phone-menu");
    await nav.getByRole("link", { name: "Analytics" }).click();
    await page.waitForURL(/\/analytics$/);
    await expect.poll(() => nav.isVisible()).toBe(false);

    // The run page says when each recipient's next step goes and why, and links each recipient to their lead.
    await visit(page, `/campaigns/${sent.id}/runs/1`);
    expect(await page.getByTestId("why-waiting").first().innerText()).toMatch(/^Step 2 waits 1 h after step 1/);
    expect(await page.getByTestId("estimated-finish").innerText()).toMatch(/^Estimated finish: /);
    expect(await page.getByRole("table", { name: "Progress per step" }).getByRole("row").count()).toBe(3);
    await page.getByRole("link", { name: sent.audience.emails[0]! }).click();
    await page.waitForURL(/\/leads\/\d+$/);

    const draft = await campaignId("November product update");
    const [list] = await t.services.db.execute<{ id: number }>(sql`select id from lists order by id limit 1`);
    const [lead] = await t.services.db.execute<{ id: number }>(sql`select id from leads order by id limit 1`);
    const templates = await t.services.db.execute<{ id: number }>(sql`select id from templates order by id`);
    const pages = [...templates.map((x) => `/templates/${x.id}`), "/templates/new", `/lists/${list!.id}`, `/leads/${lead!.id}`, "/leads?page=1", "/campaigns", `/campaigns/${draft}`, `/campaigns/${sent.id}`, `/campaigns/${sent.id}/runs/1`, `/outbox?open=${message!.id}`, "/campaigns/new", `/campaigns/${draft}/edit`, "/outbox", "/suppressions", "/analytics", "/leads", "/templates", "/team", "/sync", "/no-such-page"];
    const wide: string[] = [];
    for (const path of pages) {
      await visit(page, path);
      if (path === "/campaigns/new") {
        await page.getByLabel("Kind").selectOption("sequence");
        await page.getByRole("button", { name: "Add step" }).click();
      }
      const { scroll, viewport } = await overflow(page);
      if (scroll > viewport) {
        // Name what sticks out, so the failure says where to look.
        const culprit = await page.evaluate((width) => [...document.querySelectorAll("body *")].filter((e) => e.getBoundingClientRect().right > width + 1).map((e) => `${e.tagName.toLowerCase()}.${e.className}`).slice(-3).join(", "), viewport);
        wide.push(`${path}: ${scroll} px (${culprit})`);
      }
      await screenshot(page, `i16-390${path.replace(/\W+/g, "-")}`);
    }
    expect(wide).toEqual([]);

    // On a phone the message is below the list: opening one brings it into view.
    await visit(page, "/outbox");
    await page.getByRole("table").getByRole("link").nth(1).click();
    await page.waitForURL(/open=\d+$/);
    await expect.poll(async () => (await page.getByRole("article", { name: "Message" }).boundingBox())?.y ?? Infinity).toBeLessThan(900);
    await context.close();
    // On a desktop the message is beside the list: opening one leaves the page where it is.
    const desk = await signedInPage(1360);
    await visit(desk.page, "/outbox");
    await desk.page.getByRole("table").getByRole("link").nth(1).click();
    await desk.page.waitForURL(/open=\d+$/);
    await desk.page.waitForTimeout(300);
    expect(await desk.page.evaluate(() => window.scrollY)).toBe(0);
    await desk.context.close();
  }, 120_000);
});
