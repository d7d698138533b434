import { sql } from "drizzle-orm";
import { describe, expect, it } from "vitest";
import { fromAddresses, updateCampaign, getCampaign } from "../../server/campaigns/campaigns";
import { transitionCampaign } from "../../server/campaigns/lifecycle";
import { preflight } from "../../server/campaigns/preflight";
import { importLeadsCsv, rejectedLinesCsv } from "../../server/leads/csv-import";
import { ratesOf } from "../../server/stats/rates";
import { previewTemplate } from "../../server/templates/templates";
import { useTestDatabase } from "../helpers/db";
import { campaignFactory } from "../helpers/engine";
import { callerAs } from "../helpers/factories";

const t = useTestDatabase();
const db = () => t.services.db;

describe("CSV import accounts for every row", () => {
  it("an unclosed quote on the last line rejects that line only, and a second import counts rows unchanged", async () => {
    const csv = 'email,first_name\na@example.com,A\nb@example.com,"B\nc@example.com,C\nd@example.com,"never closed';
    const first = await importLeadsCsv(db(), csv, { listName: "Quotes" });
    expect(first).toMatchObject({ rows: 4, created: 2, duplicates: 0, rejectedCount: 2 });
    expect(first.rejected.map((r) => r.line)).toEqual([3, 5]);
    expect(first.rejected[1]!.reason).toMatch(/never closed/);
    const again = await importLeadsCsv(db(), "email,first_name\na@example.com,A\nc@example.com,Cee\n", { listName: "Quotes" });
    expect(again).toMatchObject({ rows: 2, created: 0, updated: 1, unchanged: 1, duplicates: 0, rejectedCount: 0 });
    expect(again.created + again.updated + again.unchanged + again.duplicates + again.rejectedCount).toBe(again.rows);
  });

  it("more values than the header has columns is a rejected line, and the download keeps the file's columns", async () => {
    const report = await importLeadsCsv(db(), "email,company\nok@example.com,Acme\nshift@example.com,Acme, Inc,extra\n@bad,+SUM(A1)\n", { listName: "Columns" });
    expect(report).toMatchObject({ rows: 3, created: 1, rejectedCount: 2 });
    expect(report.rejected[0]).toEqual({ line: 3, reason: expect.stringContaining("4 values but the header has 2 columns") });
    const { csv } = await rejectedLinesCsv(db(), report.importId!);
    const lines = csv.trim().split("\r\n");
    expect(lines[0]).toBe("email,company,rejected_line,rejected_because");
    expect(lines[2]).toMatch(/^@bad|^'@bad/);
    expect(lines[2]).toContain("'+SUM(A1)");
  });
});

describe("rates per person", () => {
  it("a sequence's later steps add emails, not people", () => {
    const afterStep1 = ratesOf({ sent: 10, delivered: 0, failed: 0, opened: 3, clicked: 1, replied: 0, bounced: 0, complained: 0, unsubscribed: 0, peopleSent: 10, peopleBounced: 0 });
    const afterStep3 = ratesOf({ sent: 30, delivered: 0, failed: 0, opened: 3, clicked: 1, replied: 0, bounced: 0, complained: 0, unsubscribed: 0, peopleSent: 10, peopleBounced: 0 });
    expect(afterStep1.open).toBe(0.3);
    expect(afterStep3.open).toBe(0.3);
    expect(afterStep3.base).toEqual({ count: 10, of: "people reached" });
    const delivered = ratesOf({ sent: 30, delivered: 27, failed: 0, opened: 3, clicked: 0, replied: 0, bounced: 3, complained: 0, unsubscribed: 0, peopleSent: 10, peopleBounced: 2 });
    expect(delivered.open).toBe(3 / 8);
    expect(delivered.bounce).toBe(0.2);
  });
});

describe("runs, reruns and edits", () => {
  it("rerun 'not mailed yet' reaches the people a cancelled run never mailed, and the pre-flight says so first", async () => {
    const c = await campaignFactory(t.services, { recipients: 6 });
    const run1 = await transitionCampaign(db(), c.id, "start", { source: "app" });
    await db().execute(sql`update run_recipients set first_sent_at = now(), status = 'sent' where campaign_id = ${c.id} and run_id = ${run1.runId} and id in (select id from run_recipients where campaign_id = ${c.id} and run_id = ${run1.runId} order by id limit 2)`);
    await transitionCampaign(db(), c.id, "cancel", { source: "app" });
    const [counters] = await db().execute<{ people_sent: number }>(sql`select people_sent from campaign_runs where campaign_id = ${c.id} and id = ${run1.runId}`);
    expect(counters!.people_sent).toBe(2);

    const notOpened = await preflight(db(), c.id, "not_opened");
    expect(notOpened.recipients).toBe(2);
    expect(notOpened.sentences.join(" ")).toContain('4 people of run 1 were never mailed and are not in this choice; choose "only those not mailed yet"');
    const notMailed = await preflight(db(), c.id, "not_mailed");
    expect(notMailed.recipients).toBe(4);
    const run2 = await transitionCampaign(db(), c.id, "rerun", { source: "app", audience: "not_mailed" });
    expect(run2.recipients).toBe(notMailed.recipients);
  });

  it("a new window applies to the next run unless the user applies it to the running one, which moves its waiting emails", async () => {
    const c = await campaignFactory(t.services, { recipients: 3, steps: [{ delayMinutes: 60 }] });
    await transitionCampaign(db(), c.id, "start", { source: "app" });
    const campaign = await getCampaign(db(), c.id);
    const settings = {
      name: campaign.name, kind: campaign.kind, fromName: campaign.fromName, fromEmail: campaign.fromEmail, timeZone: "UTC",
      listIds: campaign.audience.map((l) => l.id), steps: campaign.steps.map((s) => ({ templateId: s.templateId, delayMinutes: s.delayMinutes, stopOnReply: s.stopOnReply })),
      throttlePerMinute: campaign.throttlePerMinute,
    };
    const times = async () => (await db().execute<{ at: string }>(sql`select scheduled_for::text as at from scheduled_emails where campaign_id = ${c.id} order by id`)).map((r) => r.at);
    const before = await times();
    const hour = (new Date(before[0]!).getUTCHours() + 3) % 24;
    const window = { windowStartHour: Math.min(hour, 22), windowEndHour: Math.min(hour, 22) + 1 };
    const nextOnly = await updateCampaign(db(), c.id, { ...settings, ...window });
    expect(nextOnly.applied.join(" ")).toContain("applies to the next run");
    expect(await times()).toEqual(before);
    const now = await updateCampaign(db(), c.id, { ...settings, ...window, windowEndHour: window.windowEndHour }, undefined, { applyToCurrentRun: true });
    expect(now.applied.join(" ")).toBe("Saved.");
    const applied = await updateCampaign(db(), c.id, { ...settings, windowStartHour: window.windowStartHour, windowEndHour: window.windowEndHour + 1, throttlePerMinute: 5 }, undefined, { applyToCurrentRun: true });
    expect(applied.applied.join(" ")).toMatch(/applies to the running run too: 3 waiting emails were moved into it.*throttle of 5 emails a minute applies at once/);
    for (const at of await times()) expect(new Date(at).getUTCHours()).toBe(window.windowStartHour);
  });

  it("the From that goes out is the identity's address with the form's name", () => {
    expect(fromAddresses({ fromName: "Ada at Acme", fromEmail: "typed@acme.test" }, [{ fromEmail: "id1@acme.test", fromName: "Identity" }])).toEqual(["Ada at Acme <id1@acme.test>"]);
    expect(fromAddresses({ fromName: "", fromEmail: "typed@acme.test" }, [{ fromEmail: "id1@acme.test", fromName: "Identity" }])).toEqual(["Identity <id1@acme.test>"]);
    expect(fromAddresses({ fromName: "Ada", fromEmail: "typed@acme.test" }, [])).toEqual(["Ada <typed@acme.test>"]);
  });

  it("previews an empty draft without an error, and refuses a bad template with a sentence", async () => {
    const preview = await previewTemplate(db(), { draft: { subject: "", html: "", text: "" } });
    expect(preview.subject).toBe("");
    const editor = await callerAs(t.services, "editor");
    await expect(editor.templates.create({ name: "", subject: "", html: "x", text: "" })).rejects.toThrow(/Give the template a name/);
  });
});
