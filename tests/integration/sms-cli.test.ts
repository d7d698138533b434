import { sql } from "drizzle-orm";
import { describe, expect, it } from "vitest";
import { createCampaign } from "../../server/campaigns/campaigns";
import { importLeadsCsv } from "../../server/leads/csv-import";
import { herald } from "../helpers/cli";
import { useTestDatabase } from "../helpers/db";

const t = useTestDatabase();

describe("herald run, stats and verify-counters with SMS steps (no Twilio credentials: texts go to the Outbox)", () => {
  it("a dry run says which texts would go and which are skipped; a real run keeps them in the Outbox; stats and verify-counters count them", async () => {
    const report = await importLeadsCsv(t.services.db, "email,first_name,phone\nan@example.com,An,+442079460018\nbo@example.com,Bo,+33612345678\ncy@example.com,Cy,\ndo@example.com,Do,+4930901820", { listName: "cli-sms" });
    await t.services.db.execute(sql`insert into phone_suppressions (phone, reason, note) values ('+4930901820', 'opt_out', 'STOP')`);
    await createCampaign(t.services.db, {
      name: "Texts first", kind: "broadcast", fromEmail: "team@herald.test", listIds: [report.list!.id], throttlePerMinute: 100_000,
      steps: [{ channel: "sms", smsBody: "Hello {{first_name|there}}!", delayMinutes: 0 }],
    });
    const env = { DATABASE_URL: t.url, HERALD_SECRET: t.services.config.HERALD_SECRET! };

    const dry = await herald(["run", "--campaign", "Texts first", "--dry-run"], env);
    expect(dry.stderr).toBe("");
    expect(dry.stdout).toContain("2 text messages (SMS) are due now and would be sent; 1 skipped (no phone number), 1 skipped (opted out).");
    expect(dry.stdout).toContain('text to +442079460018 from Herald: "Hello An!\\nReply STOP to opt out"');
    expect(dry.stdout).toContain("Nothing was sent or changed.");

    const run = await herald(["run", "--campaign", "Texts first"], env);
    expect(run.code).toBe(0);
    // Texts are called texts: the run's scheduled messages, its totals and the campaign's last run result (mirrored to Airtable).
    expect(run.stdout).toContain('Started run 1 of "Texts first": 4 recipients, 4 texts.');
    expect(run.stdout).toContain("Run 1 totals: 2 texts sent, 0 failed of 4 scheduled texts.");
    const [last] = await t.services.db.execute<{ last_run_result: string }>(sql`select last_run_result from campaigns where name = 'Texts first'`);
    expect(last!.last_run_result).toBe("Run 1 completed: 2 texts sent, 0 failed");
    const outbox = await t.services.db.execute<{ to_address: string; text: string; channel: string }>(sql`select to_address, text, channel from outbox_messages order by to_address`);
    expect(outbox).toEqual([
      { to_address: "+33612345678", text: "Hello Bo!\nReply STOP to opt out", channel: "sms" },
      { to_address: "+442079460018", text: "Hello An!\nReply STOP to opt out", channel: "sms" },
    ]);

    const stats = await herald(["stats", "--campaign", "Texts first"], env);
    // People texted 2, texts 2, none delivered or failed yet, no replies or opt-outs; the Outbox reports no deliveries
    // (so no delivery rate, not 0 %), reply and opt-out rates over the 2 people texted; the Outbox prices nothing.
    expect(stats.stdout).toMatch(/people texted\s+texts sent\s+texts delivered\s+texts failed\s+replies \(people\)\s+opt-outs \(people\)\s+sms delivery rate \(people\)/);
    expect(stats.stdout).toMatch(/total\s+2\s+2\s+0\s+0\s+0\s+0\s+–\s+0\.0%\s+0\.0%\s+–\s+–\n/);
    const json = JSON.parse((await herald(["stats", "--campaign", "Texts first", "--json"], env)).stdout) as { totals: { sms_sent: number; people_texted: number } };
    expect(json.totals).toMatchObject({ sms_sent: 2, people_texted: 2 });
    const verify = await herald(["verify-counters"], env);
    expect(verify.code).toBe(0);
  });
});
