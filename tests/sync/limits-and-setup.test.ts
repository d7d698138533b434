import { sql } from "drizzle-orm";
import { afterEach, describe, expect, it } from "vitest";
import { createDb } from "../../db/client";
import { transitionCampaign } from "../../server/campaigns/lifecycle";
import { requestSync, syncStatus } from "../../server/sync-status";
import { AirtableBase } from "../../sync/client";
import { Pacer, sleep } from "../../sync/pacer";
import { startAirtableServer, type AirtableServer } from "../../sync/sandbox/airtable-server";
import { syncOnce } from "../../sync/run";
import { initSchema } from "../../sync/schema-check";
import { controlBase } from "../../sync/schema";
import { airtableFixture, CONTROL, PERFORMANCE } from "../helpers/airtable";
import { herald } from "../helpers/cli";
import { useTestDatabase } from "../helpers/db";
import { campaignFactory } from "../helpers/engine";

const t = useTestDatabase();
const servers: AirtableServer[] = [];
afterEach(async () => {
  for (const s of servers.splice(0)) await s.close();
  for (const table of ["sync_outbox", "sync_links", "sync_state", "sync_log", "airtable_requests", "airtable_pacer", "settings"]) await t.services.db.execute(sql.raw(`delete from ${table}`));
});
const env = () => ({ DATABASE_URL: t.url, HERALD_SECRET: t.services.config.HERALD_SECRET! });

describe("the pacer", () => {
  it("two processes with jittery answers never put six requests into one second as Airtable counts them", async () => {
    const server = await startAirtableServer();
    servers.push(server);
    // Answers take 0–300 ms, like a real network: requests land late and unevenly.
    server.beforeRequest(() => sleep(Math.random() * 300));
    const other = createDb(t.url, { max: 4 }); // a second process: its own connections
    const a = new AirtableBase(t.services.db, { token: server.token, endpointUrl: server.url, baseId: "appPaced" });
    const b = new AirtableBase(other.db, { token: server.token, endpointUrl: server.url, baseId: "appPaced" });
    await initSchema(a, controlBase);
    const hammer = (base: AirtableBase) => Promise.all(Array.from({ length: 3 }, async () => {
      for (let i = 0; i < 6; i++) await base.list("Campaigns");
    }));
    await Promise.all([hammer(a), hammer(b)]);
    await other.close();
    expect(server.stats.violations).toBe(0);
    expect(server.busiestSecond("appPaced")).toMatchObject({ over: 0, most: expect.any(Number) });
    expect(server.busiestSecond("appPaced").most).toBeLessThanOrEqual(5);
  });

  it("after a 429 nobody sends to that base for 30 s", async () => {
    const pacer = new Pacer(t.services.db, "airtable:appBlocked");
    await pacer.block();
    const [row] = await t.services.db.execute<{ ticket: number | null; wait_ms: number }>(sql`select * from herald_airtable_take('airtable:appBlocked', 5, 1100)`);
    expect(row!.ticket).toBeNull();
    expect(row!.wait_ms).toBeGreaterThan(29_000);
  });
});

describe("rounds never overlap", () => {
  it("a second round started while one runs (another process, Sync now) does nothing and says so; Sync now goes to the airtable queue", async () => {
    const fx = await airtableFixture(t.services);
    servers.push(fx.server);
    await t.services.db.execute(sql`insert into campaigns (name, from_email) select 'overlap ' || g || ' ' || random(), 'x@herald.test' from generate_series(1, 30) g`);
    const writes = fx.server.stats.writes;
    // Slow answers, so the first round is still running when the second starts.
    fx.server.beforeRequest((info) => (info.baseId === CONTROL ? sleep(50) : undefined));
    const [first, second] = await Promise.all([syncOnce(fx.services, "control"), sleep(100).then(() => syncOnce(fx.services, "control"))]);
    expect([first![0]!.skipped, second![0]!.skipped].filter(Boolean)).toEqual(["another round of this base is running"]);
    expect(fx.server.stats.writes - writes).toBe(3); // 30 records, 10 a request, each written once
    expect(new Set(fx.server.records(CONTROL, "Campaigns").map((r) => r.fields["Herald ID"])).size).toBe(30);

    await requestSync(t.services.db);
    const jobs = await t.services.db.execute<{ queue_name: string | null; task_identifier: string }>(sql`select queue_name, task_identifier from graphile_worker.jobs where task_identifier = 'sync-airtable'`);
    expect(jobs.map((j) => j.queue_name)).toEqual(["airtable"]);
  });
});

describe("records Airtable refuses", () => {
  it("a duplicated KPI record is set aside alone; the other nine of its request go through; the Sync page names record, campaign and reason", async () => {
    const fx = await airtableFixture(t.services);
    servers.push(fx.server);
    const campaigns = await Promise.all(Array.from({ length: 10 }, () => campaignFactory(t.services, { recipients: 1 })));
    const run = await t.services.db.execute<{ id: number; campaign_id: number }>(sql`
      insert into campaign_runs (campaign_id, run_number, status) select id, 1, 'COMPLETED' from campaigns where id in ${sql.raw(`(${campaigns.map((c) => c.id).join(",")})`)} returning id, campaign_id`);
    await t.services.db.execute(sql`insert into campaign_daily_stats (campaign_id, run_id, day, sent) select campaign_id, id, current_date, 1 from campaign_runs where id in ${sql.raw(`(${run.map((r) => r.id).join(",")})`)}`);
    await syncOnce(fx.services, "performance");
    const kpis = () => fx.server.records(PERFORMANCE, "Campaign KPIs");
    const victim = kpis().find((r) => r.fields["Herald ID"] === campaigns[4]!.id)!;
    fx.server.duplicate(PERFORMANCE, "Campaign KPIs", victim.id);
    await t.services.db.execute(sql`update campaign_daily_stats set sent = 5 where day = current_date and campaign_id in ${sql.raw(`(${campaigns.map((c) => c.id).join(",")})`)}`);
    const [round] = await syncOnce(fx.services, "performance");
    expect(round!.pushed).toBeGreaterThanOrEqual(9);
    const sent = (id: number) => kpis().filter((r) => r.fields["Herald ID"] === id).map((r) => r.fields.Sent);
    for (const c of campaigns) expect(sent(c.id)).toEqual(c.id === campaigns[4]!.id ? [1, 1] : [5]);
    const status = await syncStatus(t.services.db, fx.services.config);
    const aside = status.find((b) => b.base === "performance")!.setAside;
    expect(aside).toEqual([expect.objectContaining({ campaignId: campaigns[4]!.id, campaignName: expect.any(String), reason: expect.stringMatching(/multiple records/i) })]);
  });
});

describe("setting up a base", () => {
  it("the strict server refuses computed field types like real Airtable; init creates the rest and prints the manual step", async () => {
    const server = await startAirtableServer();
    servers.push(server);
    const res = await fetch(`${server.url}/v0/meta/bases/appNew/tables`, {
      method: "POST", headers: { Authorization: `Bearer ${server.token}`, "Content-Type": "application/json" },
      body: JSON.stringify({ name: "T", fields: [{ name: "Name", type: "singleLineText" }, { name: "Changed", type: "lastModifiedTime", options: {} }] }),
    });
    expect(res.status).toBe(422);
    const result = await herald(["airtable", "init"], { ...env(), AIRTABLE_TOKEN: server.token, AIRTABLE_ENDPOINT_URL: server.url, AIRTABLE_CONTROL_BASE_ID: "appNew" });
    expect(result.code).toBe(0);
    expect(result.stdout).toContain('created table "Campaigns"');
    expect(result.stdout).toMatch(/by hand \(optional\): .*"Status Changed".*Last modified time/);
    const [on] = await t.services.db.execute<{ value: string }>(sql`select value from settings where key = 'airtable:control'`);
    expect(on!.value).toBe("appNew");
  });

  it("init names a field of the wrong type and exits 1", async () => {
    // The table below is made with one API request that Herald's pacer does not know of (in Airtable a person
    // would make it in the UI); a sixth request a second leaves Herald its five however quickly `herald` starts.
    const server = await startAirtableServer({ requestsPerSecond: 6 });
    servers.push(server);
    await fetch(`${server.url}/v0/meta/bases/appWrong/tables`, {
      method: "POST", headers: { Authorization: `Bearer ${server.token}`, "Content-Type": "application/json" },
      body: JSON.stringify({ name: "Campaigns", fields: [{ name: "Name", type: "singleLineText" }, { name: "Sent", type: "singleLineText" }] }),
    });
    const result = await herald(["airtable", "init"], { ...env(), AIRTABLE_TOKEN: server.token, AIRTABLE_ENDPOINT_URL: server.url, AIRTABLE_CONTROL_BASE_ID: "appWrong" });
    expect(result.code).toBe(1);
    expect(result.stderr).toContain('field "Sent" in "Campaigns" is singleLineText, Herald needs number');
  });

  it("a command run from a shell without the Airtable variables changes nothing: triggers on, mirroring still queued", async () => {
    await t.services.db.execute(sql`insert into settings (key, value) values ('airtable:control', 'appLive')`);
    const result = await herald(["user", "add", "--email", "ops@herald.test", "--role", "viewer", "--password", "a-long-password-1"], { ...env(), AIRTABLE_TOKEN: "" });
    expect(result.code).toBe(0);
    const triggers = await t.services.db.execute<{ tgname: string; enabled: boolean }>(sql`select tgname, tgenabled <> 'D' as enabled from pg_trigger where tgname like '%to_sync_outbox%'`);
    expect(triggers.length).toBe(5); // campaigns, campaign_daily_stats (insert, update), sms_costs (insert, update)
    expect(triggers.every((x) => x.enabled)).toBe(true);
    const c = await campaignFactory(t.services, { recipients: 1 });
    await transitionCampaign(t.services.db, c.id, "start", { source: "app" });
    const [queued] = await t.services.db.execute<{ n: number }>(sql`select count(*)::int as n from sync_outbox where campaign_id = ${c.id} and base = 'control'`);
    expect(queued!.n).toBe(1);
  });
});
