import { sql } from "drizzle-orm";
import postgres from "postgres";
import { afterAll, describe, expect, it } from "vitest";
import { migrateDatabase } from "../../db/migrate";
import { maintainEventPartitions } from "../../server/maintenance/partitions";
import { createDb } from "../../db/client";
import { createTestDatabase } from "../helpers/db";
import { inject } from "vitest";

describe("migrations", () => {
  const cleanups: Array<() => Promise<void>> = [];
  afterAll(async () => {
    for (const c of cleanups) await c();
  });

  async function emptyDatabase() {
    const name = `herald_empty_${Math.random().toString(16).slice(2, 10)}`;
    const admin = postgres(inject("adminUrl"), { max: 1, onnotice: () => {} });
    await admin.unsafe(`create database "${name}"`);
    const u = new URL(inject("adminUrl"));
    u.pathname = `/${name}`;
    cleanups.push(async () => {
      await admin.unsafe(`drop database if exists "${name}" with (force)`);
      await admin.end();
    });
    return u.toString();
  }

  it("build the whole schema on an empty database, twice at once without conflict, and again as a no-op", async () => {
    const url = await emptyDatabase();
    await Promise.all([migrateDatabase(url), migrateDatabase(url)]);
    await migrateDatabase(url);
    const pg = postgres(url, { max: 1, onnotice: () => {} });
    try {
      const tables = (await pg`select tablename from pg_tables where schemaname = 'public'`).map((r) => r.tablename as string);
      for (const t of ["users", "sessions", "leads", "lists", "list_members", "suppressions", "templates", "campaigns", "sequence_steps", "campaign_runs", "run_recipients", "scheduled_emails", "email_events", "campaign_daily_stats", "sync_links", "sync_outbox", "sync_log"]) {
        expect(tables).toContain(t);
      }
      const [partitioned] = await pg`select partstrat from pg_partitioned_table where partrelid = 'email_events'::regclass`;
      expect(partitioned?.partstrat).toBe("r");
      const [jobs] = await pg`select count(*)::int as n from information_schema.schemata where schema_name = 'graphile_worker'`;
      expect(jobs?.n).toBe(1);
    } finally {
      await pg.end();
    }
  });

  it("keep event partitions three months ahead and drop those past retention", async () => {
    const database = await createTestDatabase();
    cleanups.push(database.drop);
    const { db, close } = createDb(database.url, { max: 2 });
    try {
      const partitions = async () =>
        (await db.execute<{ relname: string }>(
          sql`select c.relname from pg_inherits i join pg_class c on c.oid = i.inhrelid where i.inhparent = 'email_events'::regclass order by 1`,
        )).map((r) => r.relname);
      const initial = await partitions();
      expect(initial.length).toBeGreaterThanOrEqual(27); // 24 months back, 3 ahead, made by the migration

      const later = new Date("2031-06-15T12:00:00Z");
      const first = await maintainEventPartitions(db, 24, later);
      expect(first.created).toBe(4); // June to September 2031
      expect(first.dropped).toBe(initial.length); // all older than June 2029
      const again = await maintainEventPartitions(db, 24, later);
      expect(again).toEqual({ created: 0, dropped: 0 });
      expect(await partitions()).toEqual(["email_events_p2031_06", "email_events_p2031_07", "email_events_p2031_08", "email_events_p2031_09"]);

      // The fold's burst verdicts on clicks (click_bursts) go with their month of the log.
      await db.execute(sql`insert into click_bursts (campaign_id, event_id, occurred_at) values (1, 1, '2031-06-30T23:59:59Z'), (1, 2, '2031-07-01T00:00:00Z')`);
      const kept = await maintainEventPartitions(db, 1, new Date("2031-08-10T00:00:00Z"));
      expect(kept.dropped).toBe(1); // June 2031 ended more than a month before August
      expect((await partitions())[0]).toBe("email_events_p2031_07");
      expect((await db.execute<{ event_id: number }>(sql`select event_id from click_bursts`)).map((r) => Number(r.event_id))).toEqual([2]);
    } finally {
      await close();
    }
  });
});
