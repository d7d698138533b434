import { cpSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import os from "node:os";
import path from "node:path";
import { sql } from "drizzle-orm";
import { drizzle } from "drizzle-orm/postgres-js";
import { migrate } from "drizzle-orm/postgres-js/migrator";
import postgres from "postgres";
import { afterAll, describe, expect, it } from "vitest";
import { migrateDatabase, migrationsFolder } from "../../db/migrate";
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

  type Journal = { entries: Array<{ idx: number; when: number; tag: string }> };
  const journal = JSON.parse(readFileSync(path.join(migrationsFolder, "meta/_journal.json"), "utf8")) as Journal;

  it("upgrade a database migrated before the SMS channel existed (0031) to the whole schema", async () => {
    // The database as a Herald of that time left it: migrated with the journal as it ended at 0031.
    const url = await emptyDatabase();
    const folder = mkdtempSync(path.join(os.tmpdir(), "herald-migrations-"));
    try {
      cpSync(migrationsFolder, folder, { recursive: true });
      const upTo = journal.entries.findIndex((e) => e.tag === "0031_click_index");
      writeFileSync(path.join(folder, "meta/_journal.json"), JSON.stringify({ ...journal, entries: journal.entries.slice(0, upTo + 1) }));
      const old = postgres(url, { max: 1, onnotice: () => {} });
      await migrate(drizzle(old), { migrationsFolder: folder });
      await old.end();
    } finally {
      rmSync(folder, { recursive: true, force: true });
    }
    await migrateDatabase(url);
    const pg = postgres(url, { max: 1, onnotice: () => {} });
    try {
      const tables = (await pg`select tablename from pg_tables where schemaname = 'public'`).map((r) => r.tablename as string);
      expect(tables).toEqual(expect.arrayContaining(["sms_messages", "phone_suppressions", "click_bursts"]));
      const columns = await pg`select table_name, column_name from information_schema.columns where column_name in ('phone', 'channel', 'sms_sent') order by 1, 2`;
      expect(columns.map((c) => `${c.table_name}.${c.column_name}`)).toEqual(expect.arrayContaining(["leads.phone", "sequence_steps.channel", "campaigns.sms_sent", "campaign_runs.sms_sent", "outbox_messages.channel"]));
      const [events] = await pg`select enum_range(null::email_event_type)::text[] as types`;
      expect(events!.types).toContain("sms_delivered");
    } finally {
      await pg.end();
    }
  });

  it("are listed in the order they are applied: drizzle skips a migration whose journal time is not later than the last one applied", () => {
    // 0032 was journalled earlier than 0031 and is repaired by 0036; from 0033 on, every time is later than all before it.
    const from = journal.entries.findIndex((e) => e.tag === "0033_fold_judges_bursts");
    for (let i = from; i < journal.entries.length; i++) {
      const latestBefore = Math.max(...journal.entries.slice(0, i).map((e) => e.when));
      expect(journal.entries[i]!.when, journal.entries[i]!.tag).toBeGreaterThan(latestBefore);
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
