import { sql } from "drizzle-orm";
import { beforeAll, describe, expect, it } from "vitest";
import { transitionCampaign } from "../../server/campaigns/lifecycle";
import { preflight } from "../../server/campaigns/preflight";
import { outboxTransport } from "../../server/sending/outbox-transport";
import { sendRun } from "../../server/sending/send-run";
import { foldEvents } from "../../server/tracking/fold";
import { createHitWriter, type Hit } from "../../server/tracking/hits";
import { requestReasons } from "../../server/tracking/machine";
import { markReplied } from "../../server/tracking/replies";
import { useTestDatabase } from "../helpers/db";
import { campaignFactory } from "../helpers/engine";
import { verifyCounters } from "../../server/counters/verify";
import { statsSeries } from "../../server/stats/series";
import { herald } from "../helpers/cli";
import { callerAs } from "../helpers/factories";

/**
 * Per link and per person: which links people (not scanners) clicked, who
 * opened or clicked as a person, and reruns for the human non-openers.
 */
const t = useTestDatabase();
const HUMAN = "Mozilla/5.0 (Macintosh; Intel Mac OS X 14_6) AppleWebKit/605.1.15 (KHTML, like Gecko) Version/18.1 Safari/605.1.15";
const LINKS = ["https://example.com/pricing", "https://example.com/demo", "https://example.com/careers"];
let c: Awaited<ReturnType<typeof campaignFactory>>;
let emails: string[];

beforeAll(async () => {
  c = await campaignFactory(t.services, { recipients: 4 });
  await t.services.db.execute(sql`update templates set html = ${LINKS.map((l) => `<a href="${l}">${l}</a>`).join(" ")} where id = ${c.templates[0]!.id}`);
  const run = await transitionCampaign(t.services.db, c.id, "start", { source: "app" });
  await sendRun(t.services, outboxTransport, c.id, run.runId!, { workerId: "w" });
  await t.services.db.execute(sql`update scheduled_emails set sent_at = now() - interval '1 hour' where run_id = ${run.runId}`);
  const rows = await t.services.db.execute<{ id: number; email: string }>(sql`
    select e.id, r.email from scheduled_emails e join run_recipients r on r.campaign_id = e.campaign_id and r.id = e.recipient_id where e.run_id = ${run.runId} order by r.email`);
  emails = rows.map((r) => r.email);
  const writer = createHitWriter(t.services.db);
  const hit = (i: number, type: Hit["type"], userAgent: string, link?: string, ip = "81.2.69.142"): Hit => ({
    campaignId: c.id, scheduledEmailId: rows[i]!.id, type, userAgent, ip, data: link ? { link } : {},
    reasons: requestReasons(type as "opened" | "clicked", { userAgent, ip, method: "GET" }),
  });
  // 0: opens and clicks pricing as a person. 1: Apple's proxy opens, a scanner walks two links. 2: nothing. 3: opens as a person, replies.
  await writer.record(hit(0, "opened", HUMAN));
  await writer.record(hit(0, "clicked", HUMAN, LINKS[0]));
  await writer.record(hit(1, "opened", "Mozilla/5.0", undefined, "17.58.101.4"));
  await Promise.all([writer.record(hit(1, "clicked", HUMAN, LINKS[0], "45.83.64.17")), writer.record(hit(1, "clicked", HUMAN, LINKS[1], "45.83.64.17"))]);
  await writer.record(hit(3, "opened", HUMAN));
  await markReplied(t.services.db, c.id, emails[3]!);
  await foldEvents(t.services.db, 5000, { now: new Date(Date.now() + 60_000) });
});

describe("engagement per link and per person", () => {
  it("lists every tracked link, the unclicked one too, with people and machine clicks apart", async () => {
    const viewer = await callerAs(t.services, "viewer");
    const links = await viewer.engagement.links({ campaignId: c.id });
    expect(links.map((l) => [l.link, l.humanPeople, l.humanClicks, l.machineClicks, l.machinePeople])).toEqual([
      [LINKS[0], 1, 1, 1, 1],
      [LINKS[1], 0, 0, 1, 1],
      [LINKS[2], 0, 0, 0, 0],
    ]);
    expect(links[1]!.reasons).toEqual([{ reason: "burst", clicks: 1 }]);
    expect(await viewer.engagement.links({ campaignId: c.id, runNumber: 1 })).toEqual(links);
    await expect(viewer.engagement.links({ campaignId: c.id, runNumber: 9 })).rejects.toThrow("This campaign has no run 9.");
  });

  it("herald stats --links prints the same table; herald stats shows human figures beside the raw ones", async () => {
    const name = (await t.services.db.execute<{ name: string }>(sql`select name from campaigns where id = ${c.id}`))[0]!.name;
    const links = await herald(["stats", "--links", "--campaign", name], { DATABASE_URL: t.url });
    expect(links.code).toBe(0);
    const lines = links.stdout.split("\n");
    expect(lines[1]).toMatch(/^link\s+people \(human\)\s+human clicks\s+machine clicks\s+people \(machine only\)\s+why machine/);
    expect(lines.find((l) => l.startsWith(LINKS[0]!))).toMatch(/\s1\s+1\s+1\s+1\s+burst 1$/);
    expect(lines.find((l) => l.startsWith(LINKS[2]!))).toMatch(/\s0\s+0\s+0\s+0\s+–$/);
    const refused = await herald(["stats", "--links"], { DATABASE_URL: t.url });
    expect(refused.code).not.toBe(0);
    expect(refused.stderr).toContain("--links needs --campaign NAME");

    const today = new Date().toISOString().slice(0, 10);
    const stats = await statsSeries(t.services.db, { campaignId: c.id, from: today, to: today });
    expect(stats.totals).toMatchObject({ unique_opened: 3, human_opened: 2, unique_clicked: 2, human_clicked: 1, machine_clicked: 2, machine_opened: 1 });
    expect(stats.rates).toMatchObject({ humanOpen: 0.5, humanClick: 0.25, humanClickToOpen: 0.5, machineClickShare: 2 / 3 });
  });

  it("verify-counters recounts the human counters from the log", async () => {
    expect((await verifyCounters(t.services.db)).drift).toEqual([]);
    await t.services.db.execute(sql`update campaign_runs set human_clicked = human_clicked + 5 where campaign_id = ${c.id}`);
    const report = await verifyCounters(t.services.db, { fix: true });
    expect(report.drift).toContainEqual(expect.objectContaining({ scope: "run", counter: "human_clicked", stored: 6, actual: 1, truth: "log" }));
    expect((await verifyCounters(t.services.db)).drift).toEqual([]);
  });

  it("filters a run's recipients by what they did as a person, and exports any filter as CSV", async () => {
    const viewer = await callerAs(t.services, "viewer");
    const page = async (engagement: "human_opened" | "human_clicked" | "not_human_opened" | "replied") =>
      (await viewer.campaigns.recipients({ campaignId: c.id, runNumber: 1, engagement })).recipients.map((r) => r.email);
    expect(await page("human_opened")).toEqual([emails[0], emails[3]]);
    expect(await page("human_clicked")).toEqual([emails[0]]);
    expect(await page("not_human_opened")).toEqual([emails[1], emails[2]]);
    expect(await page("replied")).toEqual([emails[3]]);
    const all = await viewer.campaigns.recipients({ campaignId: c.id, runNumber: 1 });
    expect(all.byEngagement).toMatchObject({ human_opened: 2, human_clicked: 1, not_human_opened: 2, not_human_clicked: 3, replied: 1, bounced: 0, unsubscribed: 0 });

    const csv = await viewer.engagement.recipientsCsv({ campaignId: c.id, runNumber: 1, engagement: "not_human_opened" });
    const lines = csv.trim().split("\n");
    expect(lines[0]).toBe("email,status,first_sent_at,human_opened_at,human_clicked_at,opened_at_any,clicked_at_any,replied_at,bounced_at,last_error");
    expect(lines.slice(1).map((l) => l.split(",")[0])).toEqual([emails[1], emails[2]]);
    // The scanner's clicks show as any-click, never as a person's.
    expect(lines[1]!.split(",")[4]).toBe("");
    expect(lines[1]!.split(",")[6]).not.toBe("");
  });

  it("keeps a spreadsheet from running what a provider wrote into an export", async () => {
    await t.services.db.execute(sql`update run_recipients set last_error = '=HYPERLINK("http://evil.example","x")', status = 'bounced', bounced_at = now() where campaign_id = ${c.id} and email = ${emails[2]!}`);
    const viewer = await callerAs(t.services, "viewer");
    const csv = await viewer.engagement.recipientsCsv({ campaignId: c.id, runNumber: 1, engagement: "bounced" });
    expect(csv.trim().split("\n")[1]).toContain(`"'=HYPERLINK(""http://evil.example"",""x"")"`);
  });

  it("refuses an unknown filter with a clear error", async () => {
    const viewer = await callerAs(t.services, "viewer");
    await expect(viewer.engagement.recipientsCsv({ campaignId: c.id, runNumber: 1, engagement: "opened_by_robot" as never })).rejects.toThrow(/engagement/);
  });

  it("reruns for the people who did not open as a person: machine-only openers included, viewers refused", async () => {
    await t.services.db.execute(sql`update run_recipients set status = 'sent', bounced_at = null, last_error = null where campaign_id = ${c.id} and email = ${emails[2]!}`);
    expect((await preflight(t.services.db, c.id, "not_human_opened")).recipients).toBe(2);
    expect((await preflight(t.services.db, c.id, "not_human_clicked")).recipients).toBe(3); // the scanner's clicks do not count
    await t.services.db.execute(sql`update campaigns set status = 'completed' where id = ${c.id}`);
    const viewer = await callerAs(t.services, "viewer");
    await expect(viewer.campaigns.rerun({ campaignId: c.id, audience: "not_human_opened" })).rejects.toThrow(/permission|viewer|not allowed/i);
    const editor = await callerAs(t.services, "editor");
    await editor.campaigns.rerun({ campaignId: c.id, audience: "not_human_opened" });
    const run2 = await editor.campaigns.recipients({ campaignId: c.id, runNumber: 2 });
    expect(run2.run.audience).toBe("not_human_opened");
    expect(run2.recipients.map((r) => r.email)).toEqual([emails[1], emails[2]]);
  });
});
