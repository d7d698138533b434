import { sql } from "drizzle-orm";
import { describe, expect, it } from "vitest";
import { findCampaignByName } from "../../server/campaigns/campaigns";
import { importLegacyDailyStats } from "../../server/stats/legacy-import";
import { statsSeries } from "../../server/stats/series";
import { herald } from "../helpers/cli";
import { useTestDatabase } from "../helpers/db";
import { userFactory } from "../helpers/factories";
import { signIn, startTestServer } from "../helpers/http";

const t = useTestDatabase();
const exec = (q: string) => t.services.db.execute(sql.raw(q));

/**
 * A dense table like the legacy system's: one row per campaign per day, most
 * rows all zero, ids of the given type (`idExpr` over the integer c).
 */
async function denseTable(name: string, idType: string, idExpr: string, campaigns: number, days: number, extra = "") {
  await exec(`
    create table ${name} (id bigserial primary key, campaign_id ${idType}, stat_date date, sent int, opened int, replied int, positive_replies int, bounced int, clicked int, email_account_id bigint${extra});
    insert into ${name} (campaign_id, stat_date, sent, opened, replied, positive_replies, bounced, clicked, email_account_id)
    select ${idExpr}, date '2024-01-01' + d,
      case when (c * 31 + d) % 10 = 0 then 50 + (c + d) % 40 else 0 end,
      case when (c * 31 + d) % 10 = 0 and d % 2 = 0 then 10 + d % 7 else 0 end,
      case when (c * 31 + d) % 20 = 0 then 2 else 0 end,
      case when (c * 31 + d) % 40 = 0 then 1 else 0 end,
      case when (c * 31 + d) % 30 = 0 then 1 else 0 end,
      case when (c * 31 + d) % 10 = 0 and d % 3 = 0 then 3 else 0 end,
      100 + c % 2
    from generate_series(1, ${campaigns}) c, generate_series(0, ${days - 1}) d;`);
}

async function sourceTotals(table: string) {
  return t.services.db.execute<{ legacy_id: string; sent: number; opened: number; replied: number; positive_replies: number; bounced: number; clicked: number }>(sql.raw(`
    select campaign_id::text as legacy_id, sum(sent)::int as sent, sum(opened)::int as opened, sum(replied)::int as replied,
      sum(positive_replies)::int as positive_replies, sum(bounced)::int as bounced, sum(clicked)::int as clicked
    from ${table} group by 1 order by 1`));
}

/** What a user sees for the campaign of that name: its lifetime counters and its statistics over all time. */
async function seenByName(name: string) {
  const c = await findCampaignByName(t.services.db, name);
  const [counters] = await t.services.db.execute<Record<string, number>>(sql`select sent, opened, replied, positive_replies, bounced, clicked from campaigns where id = ${c.id}`);
  const series = await statsSeries(t.services.db, { campaignId: c.id, from: "2023-01-01", to: "2026-12-31", granularity: "month" });
  return { counters: counters!, totals: series.totals };
}

async function expectTotalsByName(table: string, nameOf: (legacyId: string) => string) {
  for (const s of await sourceTotals(table)) {
    const seen = await seenByName(nameOf(s.legacy_id));
    expect(seen.counters).toEqual({ sent: s.sent, opened: s.opened, replied: s.replied, positive_replies: s.positive_replies, bounced: s.bounced, clicked: s.clicked });
    expect([seen.totals.sent, seen.totals.unique_opened, seen.totals.replied, seen.totals.positive_replies, seen.totals.bounced, seen.totals.unique_clicked])
      .toEqual([s.sent, s.opened, s.replied, s.positive_replies, s.bounced, s.clicked]);
  }
}

describe("legacy import: identity", () => {
  it("imports text ids, names each campaign from the name column, and every campaign shows its own history by name", async () => {
    await denseTable("legacy_text", "text", "'legacy-' || c", 6, 120, ", title text");
    await exec(`update legacy_text set title = 'Newsletter ' || substr(campaign_id, 8)`);
    const report = await importLegacyDailyStats(t.services.db, "legacy_text", { nameColumn: "title" });
    expect(report.mismatches).toBe(0);
    expect(report.campaignsCreated).toBe(6);
    expect(report.reconciliation.campaigns.map((c) => c.name).sort()).toEqual(["Newsletter 1", "Newsletter 2", "Newsletter 3", "Newsletter 4", "Newsletter 5", "Newsletter 6"]);
    const [nonZero] = await t.services.db.execute<{ n: number }>(sql`select count(*)::int as n from legacy_text where sent + opened + replied + positive_replies + bounced + clicked > 0`);
    expect(report.storedRows).toBe(nonZero!.n);
    await expectTotalsByName("legacy_text", (id) => `Newsletter ${id.slice(7)}`);
    // The map says where every legacy id went, and email_account_id is kept per campaign.
    const map = await t.services.db.execute<{ legacy_id: string; name: string; dimensions: { email_account_id: number[] } }>(sql`select legacy_id, name, dimensions from legacy_campaign_map order by legacy_id`);
    expect(map[0]).toMatchObject({ legacy_id: "legacy-1", name: "Newsletter 1", dimensions: { email_account_id: [101] } });
    expect(report.dimensionsKept).toEqual(["email_account_id"]);
    expect(report.notImported.map((c) => c.column)).toEqual(["id"]);

    // The campaign's page shows the receipt; the analytics page shows positive replies.
    const server = await startTestServer(t.services);
    try {
      const user = await userFactory(t.services, { role: "viewer" });
      const cookie = await signIn(server.base, user.email, user.password);
      const campaign = await findCampaignByName(t.services.db, "Newsletter 3");
      const page = await (await fetch(`${server.base}/campaigns/${campaign.id}`, { headers: { cookie } })).text();
      expect(page).toContain("Legacy history");
      expect(page).toMatch(/holds legacy id <strong>legacy-3<\/strong> of <code>public.legacy_text<\/code>/);
      expect(page).toContain("Every total matches the source.");
      const [positive] = await t.services.db.execute<{ n: number }>(sql`select sum(positive_replies)::int as n from legacy_text`);
      const analytics = await (await fetch(`${server.base}/analytics?from=2024-01-01&to=2024-12-31&g=month`, { headers: { cookie } })).text();
      expect(analytics).toContain(`, ${positive!.n} positive`);
    } finally {
      await server.close();
    }
  }, 120_000);

  it("imports UUID ids with names from a joined table", async () => {
    await denseTable("legacy_uuid", "uuid", "('00000000-0000-4000-8000-' || lpad(c::text, 12, '0'))::uuid", 3, 60);
    await exec(`create table legacy_campaigns (id uuid primary key, name text);
      insert into legacy_campaigns select distinct campaign_id, 'Drip ' || right(campaign_id::text, 1) from legacy_uuid;`);
    const report = await importLegacyDailyStats(t.services.db, "legacy_uuid", { nameColumn: "legacy_campaigns.name" });
    expect(report.mismatches).toBe(0);
    await expectTotalsByName("legacy_uuid", (id) => `Drip ${id.slice(-1)}`);
    const [drip] = await t.services.db.execute<{ sent: number; positive: number }>(sql`
      select sum(sent)::int as sent, sum(positive_replies)::int as positive from legacy_uuid where campaign_id = '00000000-0000-4000-8000-000000000002'`);
    const out = await herald(["stats", "--campaign", "Drip 2", "--from", "2024-01-01", "--to", "2024-03-31", "--granularity", "month"], { DATABASE_URL: t.url, HERALD_SECRET: t.services.config.HERALD_SECRET! });
    expect(out.stdout).toMatch(/period\s+sent\s+delivered\s+people mailed\s+opened\s+clicked\s+replied\s+positive/);
    expect(out.stdout).toMatch(new RegExp(`total\\s+${drip!.sent}\\s+0\\s+\\d+\\s+\\d+\\s+\\d+\\s+\\d+\\s+${drip!.positive}\\s`));
  }, 120_000);

  it("never merges integer ids into the campaigns that happen to have those ids; --map merges only what it names", async () => {
    await exec(`insert into campaigns (name, from_email, sent) values ('Spring promo', 'a@herald.test', 7), ('Autumn sale', 'a@herald.test', 11)`);
    const spring = await findCampaignByName(t.services.db, "Spring promo");
    const existing = (await t.services.db.execute<{ id: number }>(sql`select id from campaigns order by id limit 3`)).map((e) => e.id);
    const legacyIds = [...existing, spring.id, 999_999];
    await denseTable("legacy_int", "bigint", `(array[${legacyIds.join(",")}])[c]`, legacyIds.length, 45);
    const before = await t.services.db.execute<{ id: number; name: string; sent: number }>(sql`select id, name, sent from campaigns order by id`);
    // Spring promo's id in the legacy table is another campaign's history: the map sends it to Autumn sale, by name.
    const report = await importLegacyDailyStats(t.services.db, "legacy_int", { map: [{ legacyId: String(spring.id), campaign: "Autumn sale", line: 1 }] });
    expect(report.mismatches).toBe(0);
    expect(report.campaignsMapped).toBe(1);
    expect(report.campaignsCreated).toBe(legacyIds.length - 1);
    const after = await t.services.db.execute<{ id: number; name: string; sent: number }>(sql`select id, name, sent from campaigns order by id`);
    for (const b of before.filter((x) => x.name !== "Autumn sale")) expect(after.find((a) => a.id === b.id)).toEqual(b);
    const totals = await sourceTotals("legacy_int");
    expect((await seenByName("Autumn sale")).counters.sent).toBe(11 + totals.find((s) => s.legacy_id === String(spring.id))!.sent);
    for (const s of totals.filter((x) => x.legacy_id !== String(spring.id))) {
      const seen = await seenByName(`Legacy ${s.legacy_id}`);
      expect([seen.counters.sent, seen.totals.sent, seen.counters.positive_replies]).toEqual([s.sent, s.sent, s.positive_replies]);
    }
  });
});
