import { sql } from "drizzle-orm";
import { describe, expect, it } from "vitest";
import { importLeadsCsv } from "../../server/leads/csv-import";
import { renderTemplate } from "../../server/templates/render";
import { previewTemplate } from "../../server/templates/templates";
import { useTestDatabase } from "../helpers/db";
import { callerAs } from "../helpers/factories";

const t = useTestDatabase();

describe("CSV import", () => {
  it("maps headers, dedupes case-insensitively, reports every bad row with its line, and imports the rest", async () => {
    const csv = [
      "E-mail Address,First Name,Surname,Organisation,Time Zone,Plan",
      "ada@example.com,Ada,Lovelace,Analytical,Europe/London,pro",
      "not-an-email,Bad,Row,,,",
      "ADA@example.com,Ada,Again,,,",
      "grace@example.com,Grace,Hopper,Navy,Mars/Olympus,free",
      "",
      ",No,Email,,,",
      "linus@example.com,Linus,,,America/New_York,",
    ].join("\n");
    const report = await importLeadsCsv(t.services.db, csv, { listName: "Import test" });
    expect(report).toMatchObject({ rows: 6, created: 3, updated: 0, duplicates: 1, addedToList: 3, rejectedCount: 2, warningCount: 1 });
    expect(report.rejected).toEqual([
      { line: 3, reason: '"not-an-email" is not a valid email address' },
      { line: 7, reason: "no email address" },
    ]);
    // A bad optional field keeps the row, with the default applied and a warning.
    expect(report.warnings).toEqual([{ line: 5, reason: '"Mars/Olympus" is not a time zone (use a name like Europe/Berlin): imported without one, so the campaign\'s time zone applies' }]);
    const [grace] = await t.services.db.execute<{ time_zone: string | null; company: string }>(sql`select time_zone, company from leads where email = 'grace@example.com'`);
    expect(grace).toEqual({ time_zone: null, company: "Navy" });
    const [ada] = await t.services.db.execute<{ first_name: string; last_name: string; company: string; time_zone: string; attributes: Record<string, string> }>(sql`select * from leads where email = 'ada@example.com'`);
    expect(ada).toMatchObject({ first_name: "Ada", last_name: "Lovelace", company: "Analytical", time_zone: "Europe/London", attributes: { plan: "pro" } });

    // Importing again updates instead of duplicating, and keeps list membership single.
    const again = await importLeadsCsv(t.services.db, "email,company\nAda@Example.com,Babbage & Co", { listName: "import TEST", overwrite: true });
    expect(again).toMatchObject({ created: 0, updated: 1, addedToList: 0 });
    const [updated] = await t.services.db.execute<{ company: string; first_name: string }>(sql`select company, first_name from leads where lower(email) = 'ada@example.com'`);
    expect(updated).toEqual({ company: "Babbage & Co", first_name: "Ada" });
  });

  it("an import into another list keeps what leads already have unless asked to overwrite, and flags suppressed addresses", async () => {
    await importLeadsCsv(t.services.db, "email,first_name,company,plan\nmaria@example.com,Maria,Curie Labs,pro", { listName: "Scientists" });
    await t.services.db.execute(sql`insert into suppressions (email, reason) values ('gone@example.com', 'unsubscribed')`);
    const report = await importLeadsCsv(t.services.db, "email,first_name,company,plan,city\nMARIA@example.com,Marie,Other Co,free,Paris\nfresh@example.com,Fresh,,,\ngone@example.com,Gone,,,", { listName: "Events" });
    expect(report).toMatchObject({ created: 2, updated: 1, addedToList: 3, suppressedCount: 1 });
    expect(report.suppressed).toEqual([{ line: 4, email: "gone@example.com" }]);
    const [maria] = await t.services.db.execute<{ first_name: string; company: string; attributes: Record<string, string> }>(sql`select first_name, company, attributes from leads where email = 'maria@example.com'`);
    // Only the missing attribute (city) was added; the Scientists list's values stand.
    expect(maria).toEqual({ first_name: "Maria", company: "Curie Labs", attributes: { plan: "pro", city: "Paris" } });

    const asked = await importLeadsCsv(t.services.db, "email,first_name\nmaria@example.com,Marie", { listName: "Events", overwrite: true });
    expect(asked).toMatchObject({ updated: 1 });
    const [after] = await t.services.db.execute<{ first_name: string }>(sql`select first_name from leads where email = 'maria@example.com'`);
    expect(after!.first_name).toBe("Marie");
  });

  it("names the problem when the file has no email column or is empty", async () => {
    await expect(importLeadsCsv(t.services.db, "name,company\nAda,Acme")).rejects.toThrow(/no email column \(found: name, company\)/);
    await expect(importLeadsCsv(t.services.db, "")).rejects.toThrow(/The file is empty/);
  });

  it("reports a row the CSV parser cannot read and keeps going", async () => {
    const report = await importLeadsCsv(t.services.db, 'email,first_name\nok1@example.com,A\nbad@example.com,"B"x\nok2@example.com,C\n');
    expect(report.created).toBe(2);
    expect(report.rejected).toEqual([{ line: 3, reason: expect.stringMatching(/^could not read this line: a double quote \(".*\) inside a value/) }]);
  });

  it("imports through tRPC for editors and refuses viewers", async () => {
    const editor = await callerAs(t.services, "editor");
    const viewer = await callerAs(t.services, "viewer");
    const report = await editor.leads.importCsv({ csv: "email\nnew@example.com", listName: "From the UI" });
    expect(report.created).toBe(1);
    await expect(viewer.leads.importCsv({ csv: "email\nx@example.com", listName: "Nope" })).rejects.toMatchObject({ code: "FORBIDDEN" });
  });
});

describe("templates", () => {
  it("fills merge tags with fallbacks, escaping values in HTML but not in text", () => {
    const out = renderTemplate(
      { subject: "Hi {{first_name|there}}", html: "<p>{{ company | your team }} & {{first_name|there}}</p>", text: "{{company}} / {{missing|n/a}}" },
      { email: "x@example.com", first_name: "", company: "<Acme & Sons>" },
    );
    expect(out.subject).toBe("Hi there");
    expect(out.html).toBe("<p>&lt;Acme &amp; Sons&gt; & there</p>");
    expect(out.text).toBe("<Acme & Sons> / n/a");
  });

  it("previews a draft for a real lead", async () => {
    await importLeadsCsv(t.services.db, "email,first_name\npreview@example.com,Zed");
    const [lead] = await t.services.db.execute<{ id: number }>(sql`select id from leads where email = 'preview@example.com'`);
    const preview = await previewTemplate(t.services.db, { draft: { subject: "Yo {{first_name}}", html: "<b>{{first_name}}</b>", text: "" }, leadId: lead!.id });
    expect(preview).toMatchObject({ subject: "Yo Zed", html: "<b>Zed</b>", tags: ["first_name"] });
  });
});
