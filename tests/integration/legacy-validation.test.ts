import { writeFile } from "node:fs/promises";
import os from "node:os";
import path from "node:path";
import { sql } from "drizzle-orm";
import { describe, expect, it } from "vitest";
import { importLegacyDailyStats, parseMapFile } from "../../server/stats/legacy-import";
import { herald } from "../helpers/cli";
import { useTestDatabase } from "../helpers/db";

const t = useTestDatabase();
const exec = (q: string) => t.services.db.execute(sql.raw(q));

async function small(name: string, idType = "text", countType = "int") {
  await exec(`
    create table ${name} (id serial primary key, campaign_id ${idType}, stat_date date, sent ${countType}, opened ${countType}, replied ${countType}, positive_replies ${countType}, bounced ${countType}, clicked ${countType});
    insert into ${name} (campaign_id, stat_date, sent, opened, replied, positive_replies, bounced, clicked)
    select '${name}-' || c, date '2025-03-01' + d, (c + d) % 3 * 10, (c + d) % 2, 0, 0, 0, 0 from generate_series(1, 3) c, generate_series(0, 9) d;`);
}

/** Nothing of a refused import is left anywhere. */
async function nothingWritten() {
  const [r] = await t.services.db.execute<{ campaigns: number; stored: number; imports: number }>(sql`
    select (select count(*)::int from campaigns) as campaigns, (select count(*)::int from legacy_daily_stats) as stored, (select count(*)::int from legacy_imports) as imports`);
  return r;
}

async function refusal(table: string, options = {}) {
  const before = await nothingWritten();
  const error = await importLegacyDailyStats(t.services.db, table, options).then(() => null, (e: Error) => e);
  expect(error).not.toBeNull();
  expect(error!.message).not.toMatch(/operator does not exist|syntax error|at .*\.ts/);
  expect(await nothingWritten()).toEqual(before);
  return error!.message;
}

describe("legacy import: every bad input is named with its row before anything is written", () => {
  it("NULL ids, NULL counts, negative counts and duplicate (id, day) rows, each with its row", async () => {
    await small("bad_rows");
    await exec(`update bad_rows set campaign_id = null where id = 2;
      update bad_rows set sent = null where id = 5;
      update bad_rows set sent = -5 where id = 7;
      insert into bad_rows (campaign_id, stat_date, sent, opened, replied, positive_replies, bounced, clicked) values ('bad_rows-1', '2025-03-01', 1, 0, 0, 0, 0, 0);`);
    const message = await refusal("bad_rows");
    expect(message).toMatch(/bad_rows cannot be imported: 4 problems; nothing was written/);
    expect(message).toContain("Row id=2: campaign_id is NULL; every row needs a legacy campaign id.");
    expect(message).toContain("Row id=5: sent is NULL; a count must be a number (0 when nothing happened).");
    expect(message).toContain("Row id=7: sent is negative; counts cannot be below 0.");
    expect(message).toContain("Rows campaign_id=bad_rows-1, stat_date=2025-03-01: 2 rows for one campaign and day");
  });

  it("unsupported column types and totals that would overflow a counter", async () => {
    await exec(`create table bad_types (campaign_id jsonb, stat_date text, sent float8, opened int, replied int, positive_replies int, bounced int, clicked int)`);
    const types = await refusal("bad_types");
    expect(types).toContain("Column campaign_id is jsonb: a legacy campaign id must be text, a UUID or an integer.");
    expect(types).toContain("Column stat_date is text: the day must be a date or a timestamp.");
    expect(types).toContain("Column sent is double precision: counts must be whole numbers");
    await small("big_counts", "text", "bigint");
    await exec(`update big_counts set sent = 3000000000 where id = 1; update big_counts set opened = 2000000000 where campaign_id = 'big_counts-2' and stat_date < '2025-03-03'`);
    const big = await refusal("big_counts");
    expect(big).toContain("Row id=1: sent is larger than a daily count can be (2,147,483,647).");
    await exec(`update big_counts set sent = 0 where id = 1`);
    expect(await refusal("big_counts")).toContain("Legacy id big_counts-2: opened totals 4,000,000,004, more than a campaign's counter holds (2,147,483,647).");
  });

  it("refuses a name an existing campaign has unless mapped, and a map that names nothing real", async () => {
    await small("clash");
    await exec(`insert into campaigns (name, from_email) values ('Legacy clash-1', 'a@herald.test')`);
    expect(await refusal("clash")).toContain(`Legacy id clash-1 would be named "Legacy clash-1", which an existing Herald campaign already has: map it to that campaign with --map`);
    const bad = await refusal("clash", { map: [{ legacyId: "clash-9", campaign: "Nope", line: 2 }, { legacyId: "clash-1", campaign: "Legacy clash-1", line: 3 }, { legacyId: "clash-1", campaign: "Legacy clash-1", line: 4 }] });
    expect(bad).toContain("Line 2 of the map: legacy id clash-9 is not in public.clash.");
    expect(bad).toContain(`Line 2 of the map: no Herald campaign is named "Nope".`);
    expect(bad).toContain("Line 4 of the map: legacy id clash-1 is already mapped on line 3.");
  });

  it("imports a table once, whatever its spelling or name, and says when it was", async () => {
    await small("legacy_a");
    await exec(`insert into campaigns (name, from_email) values ('Kept apart', 'a@herald.test')`);
    const dry = await importLegacyDailyStats(t.services.db, "legacy_a", { dryRun: true });
    expect(dry.dryRun).toBe(true);
    expect(dry.reconciliation.campaigns).toHaveLength(3);
    expect((await t.services.db.execute(sql`select 1 from legacy_imports`)).length).toBe(0);
    await importLegacyDailyStats(t.services.db, "legacy_a");
    for (const spelling of ["public.legacy_a", "LEGACY_A", `"legacy_a"`, " legacy_a"]) {
      expect(await refusal(spelling)).toMatch(/^public\.legacy_a was already imported on \d{4}-\d{2}-\d{2} \d{2}:\d{2} UTC; importing it again would count its history twice\.$/);
    }
    await exec(`create table legacy_copy as select * from legacy_a`);
    expect(await refusal("legacy_copy")).toMatch(/public\.legacy_copy holds exactly what public\.legacy_a held when it was imported on/);
    expect(await refusal("x; drop table leads")).toBe(`"x; drop table leads" is not a table name.`);
    expect(await refusal("no_such_table")).toBe(`There is no table "no_such_table" in this database.`);
  });

  it("the command prints problems as sentences, a dry run as a table, and exits 1 on refusal", async () => {
    await small("cli_bad");
    await exec(`update cli_bad set replied = -1 where id = 3`);
    const env = { DATABASE_URL: t.url, HERALD_SECRET: t.services.config.HERALD_SECRET! };
    const bad = await herald(["legacy-import", "daily-stats", "--from-table", "cli_bad"], env);
    expect(bad.code).toBe(1);
    expect(bad.stderr).toContain("Row id=3: replied is negative; counts cannot be below 0.");
    expect(bad.stderr).not.toMatch(/\n\s+at /);
    await exec(`update cli_bad set replied = 0`);
    const dry = await herald(["legacy-import", "daily-stats", "--from-table", "cli_bad", "--dry-run"], env);
    expect(dry.stderr).toBe("");
    expect(dry.stdout).toContain("Dry run (nothing was kept): would import public.cli_bad: 30 rows");
    expect(dry.stdout).toMatch(/Legacy cli_bad-1\s+cli_bad-1\s+/);
    expect(dry.stdout).toMatch(/ISO weeks\s+global\s+\d+\s+0/);
    expect(dry.stdout).toContain("Not imported: id (integer: row bookkeeping of the legacy table, not a statistic).");
    const [kept] = await t.services.db.execute<{ n: number }>(sql`select count(*)::int as n from campaigns where name = 'Legacy cli_bad-1'`);
    expect(kept!.n).toBe(0);

    // --map FILE: one legacy id joins a campaign Herald already has, by its name.
    await exec(`insert into campaigns (name, from_email) values ('Map target', 'a@herald.test')`);
    const file = path.join(os.tmpdir(), `herald-map-${process.pid}.csv`);
    await writeFile(file, "legacy_id,campaign\ncli_bad-2,map target\n");
    const done = await herald(["legacy-import", "daily-stats", "--from-table", "cli_bad", "--map", file], env);
    expect(done.stderr).toBe("");
    expect(done.stdout).toContain("Campaigns: 2 created, 1 existing ones given history through --map.");
    expect(done.stdout).toMatch(/Map target\s+cli_bad-2\s+/);
    const [target] = await t.services.db.execute<{ sent: number; source: number }>(sql`
      select c.sent, (select sum(sent)::int from cli_bad where campaign_id = 'cli_bad-2') as source from campaigns c where c.name = 'Map target'`);
    expect(target!.sent).toBe(target!.source);
  }, 120_000);

  it("reads a map file as CSV and names a malformed line", () => {
    expect(parseMapFile("legacy_id,campaign\n17,Spring promo\n\"a,b\",\"Autumn, sale\"\n")).toEqual([
      { legacyId: "17", campaign: "Spring promo", line: 2 }, { legacyId: "a,b", campaign: "Autumn, sale", line: 3 }]);
    expect(() => parseMapFile("17,Spring promo\n18\n")).toThrow("Line 2 of the map file must be: legacy id, campaign name.");
  });
});
