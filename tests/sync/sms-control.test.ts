import { sql } from "drizzle-orm";
import { afterAll, describe, expect, it } from "vitest";
import { createCampaign } from "../../server/campaigns/campaigns";
import { transitionCampaign } from "../../server/campaigns/lifecycle";
import { importLeadsCsv } from "../../server/leads/csv-import";
import { outboxTransport } from "../../server/sending/outbox-transport";
import { sendRun } from "../../server/sending/send-run";
import { handleStatusCallback } from "../../server/sms/webhooks";
import type { AirtableServer } from "../../sync/sandbox/airtable-server";
import { syncOnce } from "../../sync/run";
import { airtableFixture, CONTROL } from "../helpers/airtable";
import { useTestDatabase } from "../helpers/db";

const t = useTestDatabase();
let server: AirtableServer | null = null;
afterAll(() => server?.close());

describe("the Control base with SMS", () => {
  it("mirrors Total Sent / Delivered / Failed / Replies / Opt Outs, People Texted and the delivery and opt-out rates over people texted", async () => {
    const fx = await airtableFixture(t.services);
    server = fx.server;
    const report = await importLeadsCsv(t.services.db, "email,phone\nan@example.com,+442079460018\nbo@example.com,+33612345678\ncy@example.com,", { listName: "sms-airtable" });
    const campaign = await createCampaign(t.services.db, {
      name: "Texts to Airtable", kind: "broadcast", fromEmail: "team@herald.test", listIds: [report.list!.id], throttlePerMinute: 100_000,
      steps: [{ channel: "sms", smsBody: "Hello", delayMinutes: 0 }],
    });
    const { runId } = await transitionCampaign(t.services.db, campaign.id, "start", { source: "app" });
    expect(await sendRun(t.services, outboxTransport, campaign.id, runId!, { workerId: "w" })).toMatchObject({ outcome: "completed", sent: 2, skipped: 1 });
    // Twilio's callbacks for the two texts: one delivered, one undelivered.
    const texts = await t.services.db.execute<{ id: number }>(sql`select id from scheduled_emails where run_id = ${runId} and status = 'sent' order by id`);
    await handleStatusCallback(t.services.db, { c: campaign.id, m: texts[0]!.id }, { MessageSid: "SM1", MessageStatus: "delivered" });
    await handleStatusCallback(t.services.db, { c: campaign.id, m: texts[1]!.id }, { MessageSid: "SM2", MessageStatus: "undelivered", ErrorCode: "30003" });

    await syncOnce(fx.services);
    const record = server.records(CONTROL, "Campaigns").find((r) => r.fields["Herald ID"] === campaign.id)!;
    expect(record.fields).toMatchObject({
      "Total Sent": 2, "Total Delivered": 1, "Total Failed": 1, "Total Replies": 0, "Total Opt Outs": 0, "People Texted": 2, "Delivery Rate": 0.5, "Opt Out Rate": 0,
      Sent: 0, Status: "Completed",
    });
  });
});
