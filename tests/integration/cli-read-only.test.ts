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
  it("`herald stats` answers from a migrated database without migrating, and on a database never migrated says to migrate instead of changing it", async () => {
    const ok = await herald(["stats", "--json"], { DATABASE_URL: t.url });
    expect(ok.code).toBe(0);
    expect(JSON.parse(ok.stdout)).toMatchObject({ granularity: "day", totals: { sent: 0 } });

    const admin = postgres(inject("adminUrl"), { max: 1, onnotice: () => {} });
    await admin.unsafe(`create database "${empty}"`);
    await admin.end({ timeout: 5 });
    const refused = await herald(["stats"], { DATABASE_URL: databaseUrl(empty) });
    expect(refused.code).toBe(1);
    expect(refused.stderr).toContain("The database needs migrating first: run `npx herald migrate` (or start Herald once).");
    const check = postgres(databaseUrl(empty), { max: 1, onnotice: () => {} });
    const [row] = await check`select to_regclass('public.campaigns') as t`;
    await check.end({ timeout: 5 });
    expect(row!.t).toBeNull();
  });
});
