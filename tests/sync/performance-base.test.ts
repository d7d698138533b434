import { sql } from "drizzle-orm";
import { afterAll, describe, expect, it } from "vitest";
import { transitionCampaign } from "../../server/campaigns/lifecycle";
import { outboxTransport } from "../../server/sending/outbox-transport";
import { sendRun } from "../../server/sending/send-run";
import type { AirtableServer } from "../../sync/sandbox/airtable-server";
import { syncOnce } from "../../sync/run";
import { foldEvents } from "../../server/tracking/fold";
import { createHitWriter } from "../../server/tracking/hits";
import { requestReasons } from "../../server/tracking/machine";
import { airtableFixture, CONTROL, PERFORMANCE } from "../helpers/airtable";
import { useTestDatabase } from "../helpers/db";
import { campaignFactory } from "../helpers/engine";

const t = useTestDatabase();
let server: AirtableServer;
afterAll(() => server?.close());

describe("the Performance base", () => {
  it("receives one Campaign KPIs record per campaign per day and one Global KPIs record per day, updated in place", async () => {
    const fx = await airtableFixture(t.services);
    server = fx.server;
    const a = await campaignFactory(t.services, { recipients: 30 });
    const b = await campaignFactory(t.services, { recipients: 12 });
    for (const c of [a, b]) {
      const { runId } = await transitionCampaign(t.services.db, c.id, "start", { source: "app" });
      await sendRun(t.services, outboxTransport, c.id, runId!, { workerId: "w", limit: 10 });
    }
    await syncOnce(fx.services);
    const today = new Date().toISOString().slice(0, 10);
    const kpis = () => server.records(PERFORMANCE, "Campaign KPIs");
    expect(kpis().map((r) => r.fields).sort((x, y) => Number(x["Herald ID"]) - Number(y["Herald ID"]))).toEqual([
      expect.objectContaining({ Key: `${a.id}:${today}`, Date: today, Sent: 10 }),
      expect.objectContaining({ Key: `${b.id}:${today}`, Date: today, Sent: 10 }),
    ]);
    expect(server.records(PERFORMANCE, "Global KPIs").map((r) => r.fields)).toEqual([expect.objectContaining({ Date: today, Sent: 20 })]);

    // More sending: the same records are updated, not duplicated.
    const [current] = await t.services.db.execute<{ id: number }>(sql`select current_run_id as id from campaigns where id = ${a.id}`);
    await sendRun(t.services, outboxTransport, a.id, current!.id, { workerId: "w" });
    await syncOnce(fx.services);
    expect(kpis()).toHaveLength(2);
    expect(kpis().find((r) => r.fields.Key === `${a.id}:${today}`)!.fields.Sent).toBe(30);
    expect(server.records(PERFORMANCE, "Global KPIs")[0]!.fields.Sent).toBe(40);
    expect(server.stats.violations).toBe(0);
  });

  it("both bases carry human opens and clicks beside the raw figures, a scanner's click counted apart", async () => {
    const fx = await airtableFixture(t.services);
    server = fx.server;
    const c = await campaignFactory(t.services, { recipients: 4 });
    const { runId } = await transitionCampaign(t.services.db, c.id, "start", { source: "app" });
    await sendRun(t.services, outboxTransport, c.id, runId!, { workerId: "w" });
    await t.services.db.execute(sql`update scheduled_emails set sent_at = now() - interval '1 hour' where run_id = ${runId}`);
    const emails = await t.services.db.execute<{ id: number }>(sql`select id from scheduled_emails where run_id = ${runId} order by id`);
    const writer = createHitWriter(t.services.db);
    const person = "Mozilla/5.0 (Macintosh; Intel Mac OS X 14_6) AppleWebKit/605.1.15 Version/18.1 Safari/605.1.15";
    await writer.record({ campaignId: c.id, scheduledEmailId: emails[0]!.id, type: "clicked", data: { link: "https://example.com/a" }, userAgent: person, reasons: requestReasons("clicked", { userAgent: person }) });
    const scanner = "Mozilla/5.0 (compatible; Microsoft Office Protection; SafeLinks)";
    await writer.record({ campaignId: c.id, scheduledEmailId: emails[1]!.id, type: "clicked", data: { link: "https://example.com/a" }, userAgent: scanner, reasons: requestReasons("clicked", { userAgent: scanner }) });
    await foldEvents(t.services.db, 5000, { now: new Date(Date.now() + 60_000) });
    await syncOnce(fx.services);
    const kpi = server.records(PERFORMANCE, "Campaign KPIs").find((r) => r.fields["Herald ID"] === c.id)!;
    expect(kpi.fields).toMatchObject({ Clicked: 2, "Human Clicked": 1, "Human Opened": 1, "Click Rate": 0.5, "Human Click Rate": 0.25, "Human Click-to-Open": 1 });
    const control = server.records(CONTROL, "Campaigns").find((r) => r.fields["Herald ID"] === c.id)!;
    expect(control.fields).toMatchObject({ Clicked: 2, "Human Clicked": 1, "Click Rate": 0.5, "Human Click Rate": 0.25, "Human Open Rate": 0.25 });
    expect(server.stats.violations).toBe(0);
  });
});
