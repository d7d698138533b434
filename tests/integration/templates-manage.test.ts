import { beforeAll, describe, expect, it } from "vitest";
import { transitionCampaign } from "../../server/campaigns/lifecycle";
import { importLeadsCsv } from "../../server/leads/csv-import";
import { textFromHtml } from "../../server/templates/plain-text";
import { useTestDatabase } from "../helpers/db";
import { audienceFactory, campaignFactory, templateFactory } from "../helpers/engine";
import { callerAs } from "../helpers/factories";

const t = useTestDatabase();
let editor: Awaited<ReturnType<typeof callerAs>>;
let viewer: Awaited<ReturnType<typeof callerAs>>;
beforeAll(async () => {
  editor = await callerAs(t.services, "editor");
  viewer = await callerAs(t.services, "viewer");
});

describe("templates", () => {
  it("generates a readable plain-text part from the HTML, keeping merge tags and link targets", () => {
    const html = `<h1>November &amp; more</h1><p>Hi {{first_name|there}},<br>here is <a href="https://example.com/x">what shipped</a>.</p><ul><li>One</li><li>Two</li></ul><style>p{color:red}</style><p>Bye</p>`;
    expect(textFromHtml(html)).toBe("November & more\n\nHi {{first_name|there}},\nhere is what shipped (https://example.com/x).\n\n- One\n- Two\n\nBye\n");
  });

  it("says which campaigns use a template, and refuses to delete it while a live or draft campaign needs it", async () => {
    const live = await campaignFactory(t.services, { recipients: 2, settings: { name: "Live user", throttlePerMinute: 1 } });
    await transitionCampaign(t.services.db, live.id, "start", { source: "app" });
    const templateId = live.templates[0]!.id;
    expect(await viewer.templates.usedBy({ id: templateId })).toEqual([{ id: live.id, name: "Live user", status: "running", archived: false }]);
    await expect(viewer.templates.delete({ id: templateId })).rejects.toMatchObject({ code: "FORBIDDEN" });
    await expect(editor.templates.delete({ id: templateId })).rejects.toMatchObject({
      code: "CONFLICT", message: `"${live.templates[0]!.name}" is used by "Live user" (running): a live campaign needs it. Wait until it has finished, or cancel it, then change its steps.`,
    });
    const unused = await templateFactory(t.services);
    expect(await editor.templates.delete({ id: unused.id })).toEqual({ id: unused.id, name: unused.name });
    await expect(viewer.templates.get({ id: unused.id })).rejects.toMatchObject({ code: "NOT_FOUND" });
  });

  it("duplicates a template under a free name", async () => {
    const original = await templateFactory(t.services, { subject: "Dup {{first_name|x}}" });
    const copy = await editor.templates.duplicate({ id: original.id });
    const again = await editor.templates.duplicate({ id: original.id });
    expect(copy.name).toBe(`${original.name} (copy)`);
    expect(again.name).toBe(`${original.name} (copy 2)`);
    expect((await viewer.templates.get({ id: copy.id })).subject).toBe("Dup {{first_name|x}}");
  });

  it("previews as any lead of the template's audience, found by search, and offers that audience's fields as merge tags", async () => {
    const report = await importLeadsCsv(t.services.db, "email,first_name,plan\nzelda@example.com,Zelda,gold\nyuri@example.com,Yuri,silver", { listName: "Preview audience" });
    await audienceFactory(t.services, 3, { prefix: "outsider" });
    const c = await campaignFactory(t.services, { recipients: 1, settings: { name: "Preview campaign" } });
    await editor.campaigns.update({ campaignId: c.id, settings: { name: "Preview campaign", kind: "broadcast", fromEmail: "team@herald.test", listIds: [report.list!.id], steps: [{ templateId: c.templates[0]!.id, delayMinutes: 0, stopOnReply: true }] } });
    const choices = await viewer.templates.previewLeads({ id: c.templates[0]!.id });
    expect(choices.leads.map((l) => l.email)).toEqual(["yuri@example.com", "zelda@example.com"]);
    expect(choices.mergeTags).toEqual(["first_name", "last_name", "company", "email", "plan"]);
    const found = await viewer.templates.previewLeads({ id: c.templates[0]!.id, q: "zel" });
    expect(found.leads).toEqual([{ id: expect.any(Number), email: "zelda@example.com", name: "Zelda" }]);
    const preview = await viewer.templates.preview({ leadId: found.leads[0]!.id, draft: { subject: "For {{first_name}} on {{plan|free}}", html: "<p>x</p>" } });
    expect(preview.subject).toBe("For Zelda on gold");
  });
});
