import { readFileSync } from "node:fs";
import path from "node:path";
import { sql } from "drizzle-orm";
import type { Browser, Page } from "playwright-core";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { startWorker, type WorkerHandle } from "../../jobs/runner";
import { SEND_LANES, transitionCampaign } from "../../server/campaigns/lifecycle";
import { verifyCounters } from "../../server/counters/verify";
import { enqueue } from "../../server/queue";
import { recordHit } from "../../server/tracking/hits";
import { foldEvents } from "../../server/tracking/fold";
import { hydrated, launchChromium, screenshot } from "../helpers/browser";
import { useTestDatabase } from "../helpers/db";
import { campaignFactory, emailStatuses } from "../helpers/engine";
import { userFactory } from "../helpers/factories";
import { startTestServer } from "../helpers/http";

/**
 * The numbers on screen are the truth: Herald never counts its own users
 * reading mail, an import accounts for every row, a sequence's open rate is
 * per person, a run keeps what it sent, and Start says who it will reach.
 */
const t = useTestDatabase();
let server: Awaited<ReturnType<typeof startTestServer>>;
let worker: WorkerHandle;
let browser: Browser;
let page: Page;
const dialogs: string[] = [];

async function signInAs(role: "editor" | "viewer") {
  const user = await userFactory(t.services, { role });
  await page.context().clearCookies();
  await page.goto(`${server.base}/login`);
  await page.getByLabel("Email").fill(user.email);
  await page.getByLabel("Password").fill(user.password);
  await page.getByRole("button", { name: "Sign in" }).click();
  await page.waitForURL(/\/campaigns$/);
  return user;
}

const db = () => t.services.db;
const count = async (q: ReturnType<typeof sql>) => Number((await db().execute<{ n: number }>(q))[0]!.n);
async function sentAll(runId: number, expected: number) {
  await expect.poll(async () => (await emailStatuses(t.services, runId)).sent ?? 0, { timeout: 30_000 }).toBe(expected);
}
async function startAndSend(campaignId: number, firstStep: number) {
  const run = await transitionCampaign(db(), campaignId, "start", { source: "app" });
  await sentAll(run.runId!, firstStep);
  return run;
}
/** Makes the waiting steps due now and wakes the send jobs (what the clock would do later). */
async function releaseLaterSteps(campaignId: number, runId: number, steps: number[]) {
  await db().execute(sql`update scheduled_emails set scheduled_for = now() where campaign_id = ${campaignId} and run_id = ${runId} and step_number = any(${`{${steps.join(",")}}`}::int[]) and status = 'pending'`);
  for (let lane = 0; lane < SEND_LANES; lane++) await enqueue(db(), "send-run", { campaignId, runId, lane }, { jobKey: `send-run:${runId}:${lane}` });
}
async function assertCountersAgree() {
  const report = await verifyCounters(db());
  expect(report.drift).toEqual([]);
}

beforeAll(async () => {
  server = await startTestServer(t.services);
  worker = await startWorker(t.services, t.url, { concurrency: 4, pollInterval: 100 });
  browser = await launchChromium();
  page = await browser.newPage({ viewport: { width: 1280, height: 900 }, acceptDownloads: true });
  page.on("dialog", (d) => { dialogs.push(d.message()); void d.accept(); });
}, 60_000);
afterAll(async () => {
  await browser?.close();
  await worker?.stop();
  await server?.close();
});

describe("the numbers on screen", () => {
  it("reading messages in the Outbox records no open, for viewers and editors alike", async () => {
    const c = await campaignFactory(t.services, { recipients: 3, settings: { name: "Outbox reading" } });
    await db().execute(sql`update templates set html = '<p>Hi {{first_name}}, see <a href="https://example.com/page?a=1&amp;b=2">our page</a></p>' where id = ${c.templates[0]!.id}`);
    const run = await startAndSend(c.id, 3);
    for (const role of ["viewer", "editor"] as const) {
      await signInAs(role);
      await page.goto(`${server.base}/outbox`);
      const links = page.locator("table.data tbody tr a");
      expect(await links.count()).toBe(3);
      for (let i = 0; i < 3; i++) {
        await links.nth(i).click();
        const doc = await page.locator("iframe.email").getAttribute("srcdoc");
        expect(doc).not.toMatch(/\/o\/|\/c\/|\/u\//);
        expect(doc).toContain('href="https://example.com/page?a=1&amp;b=2"');
      }
      const unsubscribeHeader = await page.locator("dl.facts").innerText();
      if (role === "viewer") expect(unsubscribeHeader).toContain("hidden from viewers");
      else expect(unsubscribeHeader).toMatch(/List-Unsubscribe\s+<http/);
      await screenshot(page, `truth-01-outbox-${role}`);
    }
    await new Promise((r) => setTimeout(r, 1000));
    await foldEvents(db());
    expect(await count(sql`select count(*)::int as n from email_events where campaign_id = ${c.id} and type in ('opened', 'clicked')`)).toBe(0);
    const [stored] = await db().execute<{ opened: number }>(sql`select opened from campaign_runs where campaign_id = ${c.id} and id = ${run.runId}`);
    expect(stored!.opened).toBe(0);
    await page.goto(`${server.base}/campaigns/${c.id}`);
    expect(await page.getByText("Open rate (people)").first().locator("..").innerText()).toContain("0 of 3 people reached");
    await assertCountersAgree();
  }, 60_000);

  it("imports a broken file accounting for every row, and the rejected lines download as a safe CSV", async () => {
    await signInAs("editor");
    await page.goto(`${server.base}/leads`);
    await page.setInputFiles('input[name="file"]', path.resolve(import.meta.dirname, "../fixtures/broken-leads.csv"));
    await page.getByLabel("Into list").fill("Broken file");
    await page.getByRole("button", { name: "Import" }).click();
    const status = page.getByRole("status");
    await expect.poll(() => status.innerText()).toContain("Read 21 rows");
    const text = await status.innerText();
    // 13 new + 0 updated + 0 unchanged + 2 duplicates + 6 rejected = 21 rows read.
    expect(text).toContain("13 new, 0 updated, 2 duplicates in the file, 6 rejected, 0 unchanged");
    expect(await status.locator("p.error").count()).toBe(1); // rejections are not green
    const lines = await page.locator("table.data").first().locator("tbody tr td.num").allInnerTexts();
    expect(lines).toEqual(["5", "9", "10", "16", "18", "23"]);
    expect(await page.getByRole("cell", { name: /double quote \(".*\) opens a value that is never closed/ }).count()).toBe(1);
    await screenshot(page, "truth-02-import-report");

    const [download] = await Promise.all([page.waitForEvent("download"), page.getByRole("link", { name: "Download the rejected lines (CSV)" }).click()]);
    const csv = readFileSync((await download.path())!, "utf8");
    const rows = csv.replace(/^\uFEFF/, "").trim().split("\r\n");
    expect(rows[0]).toBe("email,first_name,last_name,company,notes,rejected_line,rejected_because");
    expect(rows).toHaveLength(7);
    expect(rows.find((r) => r.includes(",23,"))).toMatch(/^"'=cmd\|'\/c calc'!A1"|^'=cmd/);
    expect(csv).not.toMatch(/(^|,)=cmd/m);
    const [lead] = await db().execute<{ first_name: string; company: string }>(sql`select first_name, company from leads where email = 'person1@example.com'`);
    expect(lead).toEqual({ first_name: "Pérson1", company: "Café 1" });
    expect(await count(sql`select count(*)::int as n from leads where email in ('日本@example.com', 'quoted@example.com')`)).toBe(2);
  }, 60_000);

  it("a sequence's open rate stays put as later steps go out", async () => {
    const c = await campaignFactory(t.services, { recipients: 10, steps: [{ delayMinutes: 0 }, { delayMinutes: 600 }, { delayMinutes: 600 }], settings: { name: "Three steps" } });
    const run = await startAndSend(c.id, 10);
    const opened = await db().execute<{ id: number }>(sql`select id from scheduled_emails where campaign_id = ${c.id} and run_id = ${run.runId} and step_number = 1 order by id limit 3`);
    for (const e of opened) await recordHit(db(), { campaignId: c.id, scheduledEmailId: Number(e.id), type: "opened", userAgent: "Mozilla/5.0 (Macintosh) Safari/605" });
    await expect.poll(async () => { await foldEvents(db()); return count(sql`select opened as n from campaign_runs where campaign_id = ${c.id} and id = ${run.runId}`); }).toBe(3);

    await signInAs("viewer");
    const openRate = async () => (await page.getByText("Open rate (people)").first().locator("..").innerText()).replace(/\s+/g, " ");
    await page.goto(`${server.base}/campaigns/${c.id}`);
    expect(await openRate()).toContain("30%");
    await screenshot(page, "truth-03-sequence-step1");
    await releaseLaterSteps(c.id, run.runId!, [2]);
    await sentAll(run.runId!, 20);
    await page.reload();
    expect(await openRate()).toContain("30%");
    await releaseLaterSteps(c.id, run.runId!, [3]);
    await sentAll(run.runId!, 30);
    await page.reload();
    expect(await openRate()).toMatch(/30%.*3 of 10 people reached/);
    expect(await page.getByTestId("progress-sent").innerText()).toContain("30");
    await screenshot(page, "truth-04-sequence-all-steps");
    await page.goto(`${server.base}/campaigns/${c.id}/runs/1`);
    expect((await page.getByText("Open rate (people)").first().locator("..").innerText())).toContain("30%");
    await assertCountersAgree();
  }, 90_000);

  it("a template edited mid-run does not change the run's remaining emails, and the save says so", async () => {
    const c = await campaignFactory(t.services, { recipients: 4, steps: [{ delayMinutes: 0 }, { delayMinutes: 600 }], settings: { name: "Edited mid-run" } });
    const step2 = c.templates[1]!;
    const run = await startAndSend(c.id, 4);
    await signInAs("editor");
    await page.goto(`${server.base}/templates/${step2.id}`);
    await page.getByLabel("Subject").fill("Changed after the start");
    await page.getByRole("button", { name: "Save" }).click();
    await page.waitForURL(/saved=1/);
    const notice = await page.getByRole("status").first().innerText();
    expect(notice).toContain("Runs under way keep the version they started with");
    expect(notice).toContain("Edited mid-run, run 1, step 2");
    await screenshot(page, "truth-05-template-saved");
    await page.goto(`${server.base}/campaigns/${c.id}`);
    expect(await page.getByText(/Run 1 keeps the version it started with/).count()).toBe(1);

    await releaseLaterSteps(c.id, run.runId!, [2]);
    await sentAll(run.runId!, 8);
    const subjects = await db().execute<{ subject: string }>(sql`
      select o.subject from outbox_messages o join scheduled_emails e on e.campaign_id = o.campaign_id and e.id = o.scheduled_email_id
      where o.campaign_id = ${c.id} and e.step_number = 2`);
    expect(subjects).toHaveLength(4);
    for (const s of subjects) expect(s.subject).toMatch(/^Hello /);
    await assertCountersAgree();
  }, 60_000);

  it("Start says who it will reach, and the run reaches exactly them", async () => {
    const c = await campaignFactory(t.services, { recipients: 8, settings: { name: "Pre-flight" } });
    await db().execute(sql`update templates set subject = 'Hi {{first_name}} {{frist_name}}' where id = ${c.templates[0]!.id}`);
    await db().execute(sql`insert into suppressions (email, reason) select email, 'manual' from leads where email = any(${`{${c.audience.emails.slice(0, 2).join(",")}}`}::text[])`);
    await signInAs("editor");
    await page.goto(`${server.base}/campaigns/${c.id}`);
    dialogs.length = 0;
    await page.getByRole("button", { name: "Start" }).click();
    const dialog = page.getByRole("dialog");
    await expect.poll(() => dialog.isVisible()).toBe(true);
    const message = await dialog.innerText();
    expect(message).toContain("6 people (everyone in the audience) will get one email");
    expect(message).toContain("2 people of the audience are left out");
    expect(message).toContain("{{frist_name}}");
    await dialog.getByRole("button", { name: "Start now" }).click();
    await expect.poll(() => page.locator("h1 .badge").textContent(), { timeout: 20_000 }).toMatch(/running|completed/);
    const [row] = await db().execute<{ recipients: number }>(sql`select recipients from campaign_runs where campaign_id = ${c.id}`);
    expect(row!.recipients).toBe(6);
    await screenshot(page, "truth-06-after-preflight");
    await assertCountersAgree();
  }, 60_000);

  it("Start of a campaign with no audience says why at once, and offers nothing to confirm", async () => {
    const c = await campaignFactory(t.services, { recipients: 1, settings: { name: "No audience yet", listIds: [] } });
    await signInAs("editor");
    await page.goto(`${server.base}/campaigns/${c.id}`);
    await hydrated(page);
    await page.getByRole("button", { name: "Start" }).click();
    await expect.poll(() => page.getByRole("alert").first().innerText()).toContain('"No audience yet" has no audience: choose at least one list.');
    expect(await page.getByRole("dialog").isVisible()).toBe(false);
    const [runs] = await db().execute<{ n: number }>(sql`select count(*)::int as n from campaign_runs where campaign_id = ${c.id}`);
    expect(runs!.n).toBe(0);
  }, 60_000);
});
