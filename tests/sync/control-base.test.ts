import { sql } from "drizzle-orm";
import { afterEach, describe, expect, it } from "vitest";
import { getCampaign } from "../../server/campaigns/campaigns";
import { transitionCampaign } from "../../server/campaigns/lifecycle";
import { outboxTransport } from "../../server/sending/outbox-transport";
import { sendRun } from "../../server/sending/send-run";
import { AirtableBase } from "../../sync/client";
import { startAirtableServer, type AirtableServer } from "../../sync/sandbox/airtable-server";
import { queueFullSync, syncOnce } from "../../sync/run";
import { checkSchema } from "../../sync/schema-check";
import { controlBase } from "../../sync/schema";
import { airtableFixture, CONTROL } from "../helpers/airtable";
import { useTestDatabase } from "../helpers/db";
import { campaignFactory, emailStatuses } from "../helpers/engine";

const t = useTestDatabase();
let server: AirtableServer | null = null;
afterEach(async () => {
  await server?.close();
  server = null;
  await t.services.db.execute(sql`delete from sync_outbox`);
  await t.services.db.execute(sql`delete from sync_links`);
  await t.services.db.execute(sql`delete from sync_state`);
  await t.services.db.execute(sql`delete from rate_limits`);
});

const recordOf = (campaignId: number) => server!.records(CONTROL, "Campaigns").find((r) => r.fields["Herald ID"] === campaignId)!;

describe("the Control base", () => {
  it("mirrors campaigns; an ops edit to Paused pauses a running campaign within one pull, and nothing is sent after it", async () => {
    const fx = await airtableFixture(t.services);
    server = fx.server;
    const c = await campaignFactory(t.services, { recipients: 300 });
    const { runId } = await transitionCampaign(t.services.db, c.id, "start", { source: "app" });
    await sendRun(t.services, outboxTransport, c.id, runId!, { workerId: "w", limit: 100 });
    await syncOnce(fx.services);
    const mirrored = recordOf(c.id);
    expect(mirrored.fields).toMatchObject({ Status: "Active", Sent: 100, Run: 1 });

    server.edit(CONTROL, "Campaigns", mirrored.id, { Status: "Paused" });
    const [round] = await syncOnce(fx.services);
    expect(round!.pulled).toMatchObject({ changed: 1, applied: 1, refused: 0 });
    const campaign = await getCampaign(t.services.db, c.id);
    expect(campaign).toMatchObject({ status: "paused", statusSource: "airtable" });
    expect(await sendRun(t.services, outboxTransport, c.id, runId!, { workerId: "w" })).toMatchObject({ sent: 0 });
    expect(await emailStatuses(t.services, runId!)).toEqual({ sent: 100, paused: 200 });

    // Resuming from Airtable works the same way.
    server.edit(CONTROL, "Campaigns", mirrored.id, { Status: "Active" });
    await syncOnce(fx.services);
    expect((await getCampaign(t.services.db, c.id)).status).toBe("running");
  });

  it("an illegal edit (Completed → Active) is reverted, with the reason in Sync Note", async () => {
    const fx = await airtableFixture(t.services);
    server = fx.server;
    const c = await campaignFactory(t.services, { recipients: 3 });
    const { runId } = await transitionCampaign(t.services.db, c.id, "start", { source: "app" });
    await sendRun(t.services, outboxTransport, c.id, runId!, { workerId: "w" });
    await queueFullSync(fx.services);
    await syncOnce(fx.services);
    expect(recordOf(c.id).fields.Status).toBe("Completed");
    server.edit(CONTROL, "Campaigns", recordOf(c.id).id, { Status: "Active" });
    const [round] = await syncOnce(fx.services);
    expect(round!.pulled).toMatchObject({ refused: 1 });
    expect(recordOf(c.id).fields).toMatchObject({ Status: "Completed", "Sync Note": expect.stringContaining("only a paused campaign can be resumed") });
    expect((await getCampaign(t.services.db, c.id)).status).toBe("completed");
    // A legal edit of another campaign is applied, and leaves no note.
    const d = await campaignFactory(t.services, { recipients: 2 });
    await syncOnce(fx.services);
    server.edit(CONTROL, "Campaigns", recordOf(d.id).id, { Status: "Cancelled" });
    await syncOnce(fx.services);
    expect((await getCampaign(t.services.db, d.id)).status).toBe("cancelled");
    expect(recordOf(d.id).fields["Sync Note"]).toBeUndefined();
  });

  it("simultaneous edits: the newer one wins on Status", async () => {
    let now = Date.now();
    const fx = await airtableFixture(t.services, { now: () => now });
    server = fx.server;
    const a = await campaignFactory(t.services, { recipients: 2 });
    const b = await campaignFactory(t.services, { recipients: 2 });
    await transitionCampaign(t.services.db, a.id, "start", { source: "app" });
    await transitionCampaign(t.services.db, b.id, "start", { source: "app" });
    await syncOnce(fx.services);

    // Campaign a: ops cancel it two seconds ago, then Herald pauses it now: Herald's change is newer and stands.
    now = Date.now() - 2_000;
    server.edit(CONTROL, "Campaigns", recordOf(a.id).id, { Status: "Cancelled" });
    now = Date.now();
    await transitionCampaign(t.services.db, a.id, "pause", { source: "app" });
    // Campaign b: Herald paused it an hour ago, ops cancel it now: Airtable's edit is newer and wins.
    await transitionCampaign(t.services.db, b.id, "pause", { source: "app" });
    await t.services.db.execute(sql`update campaigns set status_changed_at = now() - interval '1 hour' where id = ${b.id}`);
    server.edit(CONTROL, "Campaigns", recordOf(b.id).id, { Status: "Cancelled" });

    await syncOnce(fx.services);
    expect((await getCampaign(t.services.db, a.id)).status).toBe("paused");
    expect(recordOf(a.id).fields).toMatchObject({ Status: "Paused", "Sync Note": expect.stringContaining("Herald's status stands") });
    expect((await getCampaign(t.services.db, b.id)).status).toBe("cancelled");
    expect(recordOf(b.id).fields.Status).toBe("Cancelled");
  });

  it("records made by hand without a Herald ID are reported and left alone; steady state makes no writes", async () => {
    const fx = await airtableFixture(t.services);
    server = fx.server;
    await campaignFactory(t.services, { recipients: 1 });
    await queueFullSync(fx.services);
    await syncOnce(fx.services);
    const handMade = server.create(CONTROL, "Campaigns", { Name: "Someone's idea", Status: "Active" });
    await syncOnce(fx.services);
    const [log] = await t.services.db.execute<{ message: string }>(sql`select message from sync_log where level = 'warn' order by id desc limit 1`);
    expect(log!.message).toContain(`Record ${handMade} ("Someone's idea") has no Herald ID`);
    expect(server.records(CONTROL, "Campaigns").find((r) => r.id === handMade)!.fields).toMatchObject({ Name: "Someone's idea", Status: "Active" });

    const writes = server.stats.writes;
    for (let i = 0; i < 3; i++) await syncOnce(fx.services);
    expect(server.stats.writes).toBe(writes);
    expect(server.stats.violations).toBe(0);
  }, 120_000); // five paced rounds: slow on a loaded machine, never wrong

  it("a long Airtable outage during a send loses nothing and never slows sending; the mirror converges afterwards", async () => {
    let now = Date.now();
    const fx = await airtableFixture(t.services, { now: () => now });
    server = fx.server;
    const c = await campaignFactory(t.services, { recipients: 250 });
    const { runId } = await transitionCampaign(t.services.db, c.id, "start", { source: "app" });
    await syncOnce(fx.services);
    server.outage(30 * 60_000);
    const started = Date.now();
    const sending = sendRun(t.services, outboxTransport, c.id, runId!, { workerId: "w" });
    const [during] = await syncOnce(fx.services);
    expect(during!.error).toMatch(/unavailable/);
    expect((await sending).outcome).toBe("completed");
    expect(Date.now() - started).toBeLessThan(5_000);
    const [queued] = await t.services.db.execute<{ n: number }>(sql`select count(*)::int as n from sync_outbox where base = 'control'`);
    expect(queued!.n).toBeGreaterThan(0);

    now += 31 * 60_000; // Airtable is back
    await t.services.db.execute(sql`update sync_outbox set next_attempt_at = now()`); // the backoff has run out by then
    await syncOnce(fx.services);
    expect(recordOf(c.id).fields).toMatchObject({ Status: "Completed", Sent: 250 });
    const [left] = await t.services.db.execute<{ n: number }>(sql`select count(*)::int as n from sync_outbox where base = 'control'`);
    expect(left!.n).toBe(0);
    expect(server.stats.violations).toBe(0);
  });

  it("never exceeds the limits: two workers at once (one round runs, the other skips) push 66 campaigns at ≤ 5 requests/s and ≤ 10 records a request", async () => {
    const fx = await airtableFixture(t.services);
    server = fx.server;
    await t.services.db.execute(sql`insert into campaigns (name, from_email) select 'bulk ' || g || ' ' || random(), 'x@herald.test' from generate_series(1, 66) g`);
    await queueFullSync(fx.services);
    await Promise.all([syncOnce(fx.services), syncOnce(fx.services)]);
    expect(server.stats.violations).toBe(0);
    expect(server.stats.maxRecordsPerWrite).toBeLessThanOrEqual(10);
    expect(server.records(CONTROL, "Campaigns").length).toBeGreaterThanOrEqual(66);
  });

  it("checks the schema and names what is missing", async () => {
    const fx = await airtableFixture(t.services);
    server = fx.server;
    // Only the optional, hand-made "Status Changed" field is not there (the Meta API cannot create it).
    expect(await checkSchema(fx.bases.control!, controlBase)).toEqual([expect.objectContaining({ field: "Status Changed", optional: true })]);
    const bare = await startAirtableServer();
    const empty = new AirtableBase(t.services.db, { token: bare.token, endpointUrl: bare.url, baseId: "appEmpty" });
    expect(await checkSchema(empty, controlBase)).toEqual([{ table: "Campaigns", problem: 'table "Campaigns" is missing' }]);
    await bare.close();
  });
});
