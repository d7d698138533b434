import { sql } from "drizzle-orm";
import type { Browser, Page } from "playwright-core";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { startWorker, type WorkerHandle } from "../../jobs/runner";
import { seedDemoData } from "../../server/demo/seed";
import { useTestDatabase } from "../helpers/db";
import { launchChromium, screenshot } from "../helpers/browser";
import { userFactory } from "../helpers/factories";
import { startTestServer } from "../helpers/http";

const t = useTestDatabase();
let server: Awaited<ReturnType<typeof startTestServer>>;
let worker: WorkerHandle;
let browser: Browser;
let page: Page;
let admin: { email: string; password: string };

beforeAll(async () => {
  await seedDemoData(t.services.db);
  admin = await userFactory(t.services, { role: "admin", email: "admin@herald.local" });
  server = await startTestServer(t.services);
  worker = await startWorker(t.services, t.url, { concurrency: 4, pollInterval: 100 });
  browser = await launchChromium();
  page = await browser.newPage({ viewport: { width: 1280, height: 900 } });
  page.on("dialog", (d) => void d.accept());
}, 60_000);
afterAll(async () => {
  await browser?.close();
  await worker?.stop();
  await server?.close();
});

const sentOnPage = async () => Number((await page.getByTestId("progress-sent").innerText()).replace(/\D/g, ""));
const statusBadge = () => page.locator("h1 .badge");

describe("a team member in the browser", () => {
  it("signs in and sees the campaigns", async () => {
    await page.goto(`${server.base}/campaigns`);
    await expect.poll(() => page.url()).toContain("/login?next=%2Fcampaigns");
    await screenshot(page, "01-login");
    await page.getByLabel("Email").fill(admin.email);
    await page.getByLabel("Password").fill(admin.password);
    await page.getByRole("button", { name: "Sign in" }).click();
    await page.waitForURL(/\/campaigns$/);
    await expect.poll(() => page.getByRole("link", { name: "Design partner outreach" }).count()).toBe(1);
    await screenshot(page, "02-campaigns");
  });

  it("imports a CSV with bad rows and sees each one reported with its line", async () => {
    await page.goto(`${server.base}/leads`);
    const rows = ["email,first_name,company", ...Array.from({ length: 40 }, (_, i) => `e2e-${i}@example.com,Person${i},Co${i}`), "broken-address,Bad,Row", "e2e-1@example.com,Dup,Row"];
    await page.setInputFiles('input[name="file"]', { name: "leads.csv", mimeType: "text/csv", buffer: Buffer.from(rows.join("\n")) });
    await page.getByLabel("Into list").fill("E2E list");
    await page.getByRole("button", { name: "Import" }).click();
    await expect.poll(() => page.getByRole("status").innerText()).toContain("40 new, 0 updated, 1 duplicate in the file, 1 rejected");
    expect(await page.getByRole("cell", { name: '"broken-address" is not a valid email address' }).count()).toBe(1);
    expect(await page.getByRole("cell", { name: "42" }).count()).toBe(1);
    await screenshot(page, "03-import-report");
  });

  it("creates a sequence campaign, starts it, watches progress move, pauses, resumes and sees it complete", async () => {
    await page.goto(`${server.base}/campaigns/new`);
    await page.getByLabel("Name", { exact: true }).fill("E2E sequence");
    await page.getByLabel("Kind").selectOption("sequence");
    await page.getByLabel("From address").fill("e2e@herald.test");
    await page.getByRole("button", { name: "Add step" }).click();
    await page.getByLabel("Delay after previous (hours)").fill("0");
    await page.getByLabel("E2E list").check();
    await page.getByLabel("Throttle (messages a minute, emails and texts)").fill("300"); // slow enough to pause mid-run on a busy machine
    await screenshot(page, "04-new-campaign");
    await page.getByRole("button", { name: "Create campaign" }).click();
    await page.waitForURL(/\/campaigns\/\d+$/);
    expect(await statusBadge().textContent()).toBe("draft");
    await screenshot(page, "05-campaign-draft");

    await page.getByRole("button", { name: "Start" }).click();
    await page.getByRole("dialog").getByRole("button", { name: "Start now" }).click();
    // Start asks first with the pre-flight (one more request than before): give a busy machine time.
    await expect.poll(() => statusBadge().textContent(), { timeout: 10_000 }).toBe("running");
    const first = await (async () => { await expect.poll(sentOnPage, { timeout: 10_000 }).toBeGreaterThan(0); return sentOnPage(); })();
    await expect.poll(sentOnPage, { timeout: 10_000 }).toBeGreaterThan(first);
    await screenshot(page, "06-campaign-sending");

    await page.getByRole("button", { name: "Pause" }).click();
    await expect.poll(() => statusBadge().textContent()).toBe("paused");
    const atPause = await sentOnPage();
    await new Promise((r) => setTimeout(r, 2500));
    await page.reload();
    expect(await sentOnPage()).toBe(atPause);
    expect(atPause).toBeLessThan(80);
    await screenshot(page, "07-campaign-paused");

    await page.getByRole("button", { name: "Resume" }).click();
    await expect.poll(() => statusBadge().textContent(), { timeout: 30_000 }).toBe("completed");
    expect(await sentOnPage()).toBe(80);
    await screenshot(page, "08-campaign-completed");
    await page.getByRole("button", { name: "Send a test to me" }).click();
    await expect.poll(() => page.getByRole("status").innerText()).toMatch(/^Sent 2 test emails to admin@herald.local, filled in for e2e-\d+@example.com\.$/);
  }, 60_000);

  it("reruns only the non-openers, then compares the two runs", async () => {
    await page.getByLabel("Rerun for").selectOption("not_opened");
    await page.getByRole("button", { name: "Rerun" }).click();
    await page.getByRole("dialog").getByRole("button", { name: "Start run 2" }).click();
    await expect.poll(() => page.getByRole("link", { name: "Run 2" }).count(), { timeout: 10_000 }).toBe(1);
    await expect.poll(() => statusBadge().textContent(), { timeout: 30_000 }).toBe("completed");
    await page.getByRole("link", { name: "Compare the last two runs" }).click();
    await page.waitForURL(/compare/);
    expect(await page.getByRole("row", { name: /^Emails sent/ }).innerText()).toMatch(/80\s+80/);
    expect(await page.getByRole("row", { name: /^Audience/ }).innerText()).toMatch(/everyone in the audience\s+only those mailed who did not open/);
    await screenshot(page, "09-compare-runs");
    await page.goBack();
    await page.getByRole("link", { name: "Run 1" }).click();
    await expect.poll(() => page.getByRole("table", { name: "Recipients" }).locator("tbody tr").count()).toBe(40);
    await screenshot(page, "10-run-detail");
  }, 60_000);

  it("shows templates with a live preview, the outbox, and the team", async () => {
    await page.goto(`${server.base}/templates`);
    await page.getByRole("link", { name: "Intro" }).click();
    await expect.poll(() => page.locator("iframe.email").count()).toBe(1);
    await page.getByLabel("Subject").fill("Preview for {{first_name|friend}}");
    await expect.poll(() => page.getByText(/^Preview for /).first().innerText()).toMatch(/Preview for \w+/);
    await screenshot(page, "11-template-preview");
    await page.goto(`${server.base}/outbox`);
    await expect.poll(() => page.locator("iframe.email").count()).toBe(1);
    await screenshot(page, "12-outbox");
    await page.goto(`${server.base}/team`);
    await screenshot(page, "13-team");
    await page.goto(`${server.base}/analytics?g=week`);
    // 80 sent by run 1 and 80 by run 2 of the sequence, both today.
    await expect.poll(() => page.locator(".kpi", { hasText: "Sent" }).first().locator(".value").innerText()).toBe("160");
    // The sent chart (recharts, drawn once hydrated); nobody opened mail read in the Outbox, so the engagement chart says so.
    await expect.poll(() => page.locator(".chart-box[role=img] .recharts-surface").count()).toBeGreaterThanOrEqual(1);
    expect(await page.locator(".chart-box[role=img]").count()).toBe(1);
    expect(await page.getByText("No data in this range").count()).toBe(1);
    await screenshot(page, "15-analytics");
    await page.goto(`${server.base}/suppressions`);
    await page.getByLabel("Address to suppress").fill("nobody@example.com");
    await page.getByRole("button", { name: "Suppress" }).click();
    await expect.poll(() => page.getByRole("status").innerText()).toContain("Suppressed");
    await screenshot(page, "16-suppressions");
    await page.goto(`${server.base}/leads?q=e2e-1%40example.com`);
    await page.getByRole("link", { name: "e2e-1@example.com" }).click();
    await page.waitForURL(/\/leads\/\d+$/);
    // Two runs, two steps each: four "sent" events on the lead's timeline.
    await expect.poll(() => page.locator("table.data tbody tr").count()).toBe(4);
    await screenshot(page, "18-lead-timeline");
    await page.goto(`${server.base}/sync`);
    expect(await page.getByRole("heading", { name: "Sync is off" }).count()).toBe(1);
    await screenshot(page, "17-sync-off");
  });

  it("a viewer sees no action buttons, and the server refuses the mutation anyway", async () => {
    const viewer = await userFactory(t.services, { role: "viewer" });
    const context = await browser.newContext();
    const vp = await context.newPage();
    await vp.goto(`${server.base}/login`);
    await vp.getByLabel("Email").fill(viewer.email);
    await vp.getByLabel("Password").fill(viewer.password);
    await vp.getByRole("button", { name: "Sign in" }).click();
    await vp.waitForURL(/\/campaigns$/);
    const [draft] = await t.services.db.execute<{ id: number }>(sql`select id from campaigns where name = 'November product update'`);
    await vp.goto(`${server.base}/campaigns/${draft!.id}`);
    expect(await vp.getByRole("button", { name: "Start" }).count()).toBe(0);
    expect(await vp.getByRole("link", { name: "Edit" }).count()).toBe(0);
    await screenshot(vp, "14-viewer-campaign");
    const status = await vp.evaluate(async (id) => {
      const res = await fetch(`/campaigns/${id}`, { method: "POST", body: new URLSearchParams({ intent: "start" }) });
      return { status: res.status, text: await res.text() };
    }, draft!.id);
    expect(status.status).toBe(409);
    expect(status.text).toContain("needs the editor role");
    const api = await vp.evaluate(async (id) => (await fetch("/api/trpc/campaigns.start", { method: "POST", headers: { "content-type": "application/json" }, body: JSON.stringify({ json: { campaignId: id } }) })).status, draft!.id);
    expect(api).toBe(403);
    const [after] = await t.services.db.execute<{ status: string }>(sql`select status from campaigns where id = ${draft!.id}`);
    expect(after!.status).toBe("draft");
    await context.close();
  });
});
