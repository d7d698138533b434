import postgres from "postgres";
import { afterAll, describe, expect, it } from "vitest";
import { herald } from "../helpers/cli";
import { databaseUrl, useTestDatabase } from "../helpers/db";
import { inject } from "vitest";

const t = useTestDatabase();
const empty = `herald_empty_${process.pid}`;
afterAll(async () => {
  const admin = postgres(inject("adminUrl"), { max: 1, onnotice: () => {} });
  await admin.unsafe(`drop database if exists "${empty}" with (force)`);
  await admin.end({ timeout: 5 });
});

describe("read-only herald commands", () => {
  it("run compiled JavaScript, not the TypeScript sources (HERALD_DEV=1 asks for the sources)", async () => {
    const compiled = await herald(["--version"]);
    expect(compiled.stdout).toMatch(/^herald \d+\.\d+\.\d+ \(compiled \d{4}-\d\d-\d\dT/);
    const sources = await herald(["--version"], { HERALD_DEV: "1" });
    expect(sources.stdout).toContain("(TypeScript sources through tsx");
  });

  it("an error nobody planned for is one sentence with the database's own words, no stack and no SQL", async () => {
    const missing = new URL(t.url);
    missing.pathname = "/herald_no_such_database";
    const r = await herald(["stats"], { DATABASE_URL: missing.toString() });
    expect(r.code).toBe(1);
    expect(r.stderr).toContain('herald stats: database "herald_no_such_database" does not exist');
    expect(r.stderr).not.toMatch(/^\s+at /m);
    const debug = await herald(["stats"], { DATABASE_URL: missing.toString(), HERALD_DEBUG: "1" });
    expect(debug.stderr, "HERALD_DEBUG shows where").toMatch(/^\s+at /m);
  });

  it("`herald stats` answers from a migrated database without migrating, and on a database never migrated says to migrate instead of changing it", async () => {
    const ok = await herald(["stats", "--json"], { DATABASE_URL: t.url });
    expect(ok.code).toBe(0);
    expect(JSON.parse(ok.stdout)).toMatchObject({ granularity: "day", totals: { sent: 0 } });

    const admin = postgres(inject("adminUrl"), { max: 1, onnotice: () => {} });
    await admin.unsafe(`create database "${empty}"`);
    await admin.end({ timeout: 5 });
    // Every read-only command refuses alike, and none of them creates a table.
    for (const args of [["stats"], ["stats", "--links", "--campaign", "Welcome"], ["verify-counters"], ["run", "--campaign", "Welcome", "--dry-run"]]) {
      const refused = await herald(args, { DATABASE_URL: databaseUrl(empty) });
      expect({ args, code: refused.code, stderr: refused.stderr.trim() }).toEqual({ args, code: 1, stderr: "The database needs migrating first: run `npx herald migrate` (or start Herald once)." });
    }
    const check = postgres(databaseUrl(empty), { max: 1, onnotice: () => {} });
    const [row] = await check`select to_regclass('public.campaigns') as t, to_regclass('drizzle.__drizzle_migrations') as m, to_regnamespace('graphile_worker') as w`;
    await check.end({ timeout: 5 });
    expect(row!.m).toBeNull();
    expect(row!.w).toBeNull();
    expect(row!.t).toBeNull();
  });
});
