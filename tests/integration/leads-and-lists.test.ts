import { sql } from "drizzle-orm";
import { beforeAll, describe, expect, it } from "vitest";
import { getCampaign } from "../../server/campaigns/campaigns";
import { transitionCampaign } from "../../server/campaigns/lifecycle";
import { verifyCounters } from "../../server/counters/verify";
import { importLeadsCsv } from "../../server/leads/csv-import";
import { outboxTransport } from "../../server/sending/outbox-transport";
import { sendRun } from "../../server/sending/send-run";
import { useTestDatabase } from "../helpers/db";
import { audienceFactory, campaignFactory } from "../helpers/engine";
import { callerAs } from "../helpers/factories";

const t = useTestDatabase();
let editor: Awaited<ReturnType<typeof callerAs>>;
let viewer: Awaited<ReturnType<typeof callerAs>>;
beforeAll(async () => {
  editor = await callerAs(t.services, "editor");
  viewer = await callerAs(t.services, "viewer");
});

describe("leads and lists", () => {
  it("a list page pages through 120 members, searches them, and removes some, leaving them in Herald", async () => {
    const audience = await audienceFactory(t.services, 120, { prefix: "member" });
    const first = await viewer.lists.get({ listId: audience.listId });
    expect(first).toMatchObject({ total: 120, page: 1, list: { members: 120 } });
    expect(first.members).toHaveLength(50);
    const third = await viewer.lists.get({ listId: audience.listId, page: 3 });
    expect(third.members.map((m) => m.email)).toHaveLength(20);
    const found = await viewer.lists.get({ listId: audience.listId, q: "member-7@" });
    expect(found.members.map((m) => m.email)).toEqual(["member-7@example.com"]);

    await expect(viewer.lists.removeMembers({ listId: audience.listId, leadIds: [found.members[0]!.id] })).rejects.toMatchObject({ code: "FORBIDDEN" });
    expect(await editor.lists.removeMembers({ listId: audience.listId, leadIds: [found.members[0]!.id] })).toEqual({ removed: 1 });
    expect((await viewer.lists.get({ listId: audience.listId })).total).toBe(119);
    expect((await viewer.leads.search({ q: "member-7@" })).total).toBe(1);
  });

  it("lead search pages beyond the first 50 matches", async () => {
    await audienceFactory(t.services, 75, { prefix: "pager" });
    const one = await viewer.leads.search({ q: "pager-" });
    const two = await viewer.leads.search({ q: "pager-", page: 2 });
    expect(one.total).toBe(75);
    expect(one.leads).toHaveLength(50);
    expect(two.leads).toHaveLength(25);
    expect(new Set([...one.leads, ...two.leads].map((l) => l.email)).size).toBe(75);
  });

  it("exports a list as CSV in which no cell runs as a spreadsheet formula", async () => {
    await importLeadsCsv(t.services.db, 'email,first_name,company,note\nevil@example.com,=HYPERLINK("http://x"),"+1, Inc",@SUM(A1)\nplain@example.com,Plain,Co,ok', { listName: "Export me" });
    const [list] = await t.services.db.execute<{ id: number }>(sql`select id from lists where name = 'Export me'`);
    const { csv, filename } = await viewer.lists.exportCsv({ listId: list!.id });
    expect(filename).toBe("export-me.csv");
    expect(csv.split("\n")[0]).toBe("email,first_name,last_name,company,time_zone,status,note");
    expect(csv).toContain(`evil@example.com,"'=HYPERLINK(""http://x"")",,"'+1, Inc",,active,'@SUM(A1)`);
  });

  it("adds one lead, edits its fields and lists; viewers may not; a taken address or unknown zone is refused with a sentence", async () => {
    const a = await audienceFactory(t.services, 1);
    const b = await audienceFactory(t.services, 1);
    await expect(viewer.leads.add({ email: "solo@example.com" })).rejects.toMatchObject({ code: "FORBIDDEN" });
    const added = await editor.leads.add({ email: "Solo@Example.com", firstName: "Solo", listIds: [a.listId] });
    await editor.leads.update({ id: added.id, fields: { email: "solo@example.com", firstName: "Han", company: "Falcon", timeZone: "Europe/Berlin", listIds: [b.listId] } });
    const lead = await viewer.leads.get({ id: added.id });
    expect(lead).toMatchObject({ email: "solo@example.com", firstName: "Han", company: "Falcon", timeZone: "Europe/Berlin" });
    expect(lead.lists.map((l) => l.id)).toEqual([b.listId]);
    await expect(editor.leads.add({ email: "solo@example.com" })).rejects.toMatchObject({ message: "A lead with solo@example.com already exists." });
    await expect(editor.leads.update({ id: added.id, fields: { email: "solo@example.com", timeZone: "Mars/Base" } })).rejects.toMatchObject({ code: "BAD_REQUEST", message: expect.stringContaining("Use a time zone name like Europe/Berlin") });
  });

  it("deleting a lead is refused while its mail waits; afterwards its run history is anonymised, counters still match the log, and its suppression stays", async () => {
    const c = await campaignFactory(t.services, { recipients: 3 });
    const { runId } = await transitionCampaign(t.services.db, c.id, "start", { source: "app" });
    const [lead] = await t.services.db.execute<{ id: number; email: string }>(sql`select id, email from leads where email = ${c.audience.emails[0]!}`);
    await expect(editor.leads.delete({ id: lead!.id })).rejects.toMatchObject({ code: "CONFLICT", message: `${lead!.email} still has 1 email waiting in a run: cancel that run, or wait until it has finished, before deleting the lead.` });

    await sendRun(t.services, outboxTransport, c.id, runId!, { workerId: "delete-test" });
    await t.services.db.execute(sql`insert into suppressions (email, reason) values (${lead!.email}, 'unsubscribed')`);
    const before = await getCampaign(t.services.db, c.id);
    await expect(viewer.leads.delete({ id: lead!.id })).rejects.toMatchObject({ code: "FORBIDDEN" });
    expect(await editor.leads.delete({ id: lead!.id })).toEqual({ id: lead!.id, email: lead!.email });

    await expect(viewer.leads.get({ id: lead!.id })).rejects.toMatchObject({ code: "NOT_FOUND" });
    const recipients = await t.services.db.execute<{ email: string }>(sql`select email from run_recipients where campaign_id = ${c.id} and lead_id = ${-lead!.id}`);
    expect(recipients.map((r) => r.email)).toEqual([`deleted-lead-${lead!.id}@anonymised.invalid`]);
    expect((await t.services.db.execute(sql`select 1 from outbox_messages where to_address = ${lead!.email}`)).length).toBe(0);
    expect((await t.services.db.execute(sql`select 1 from suppressions where email = ${lead!.email}`)).length).toBe(1);
    const after = await getCampaign(t.services.db, c.id);
    expect(after.sent).toBe(before.sent);
    expect((await verifyCounters(t.services.db)).drift).toEqual([]);
  });
});
