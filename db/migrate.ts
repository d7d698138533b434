import { readFileSync } from "node:fs";
import path from "node:path";
import { drizzle } from "drizzle-orm/postgres-js";
import { migrate } from "drizzle-orm/postgres-js/migrator";
import postgres from "postgres";
import { projectRoot } from "./root";

export const migrationsFolder = path.join(projectRoot(), "db/migrations");
const MIGRATION_LOCK = 7_246_001;

/**
 * Applies Herald's migrations and graphile-worker's schema. Safe to call from
 * several processes at once: an advisory lock lets one migrate while the
 * others wait and then find nothing to do.
 */
export async function migrateDatabase(url: string): Promise<void> {
  const sql = postgres(url, { max: 1, onnotice: () => {} });
  try {
    await sql`select pg_advisory_lock(${MIGRATION_LOCK})`;
    await migrate(drizzle(sql), { migrationsFolder });
    // Loaded here, not at the top: read-only commands import this module for migrationsPending only.
    const { Logger, runMigrations: runWorkerMigrations } = await import("graphile-worker");
    await runWorkerMigrations({ connectionString: url, logger: new Logger(() => () => {}) });
    await sql`select pg_advisory_unlock(${MIGRATION_LOCK})`;
  } finally {
    await sql.end({ timeout: 5 });
  }
}

/**
 * True when Herald's last migration (by the journal) is not applied yet, or
 * the database has never been migrated. One query on the caller's pool:
 * read-only commands use it instead of migrating on every start.
 */
// eslint-disable-next-line @typescript-eslint/no-explicit-any -- any pool, whatever its custom types
export async function migrationsPending(sql: postgres.Sql<any>): Promise<boolean> {
  const journal = JSON.parse(readFileSync(`${migrationsFolder}/meta/_journal.json`, "utf8")) as { entries: Array<{ when: number }> };
  const latest = Math.max(...journal.entries.map((e) => e.when));
  // A database never migrated has no journal table: PostgreSQL names it missing (42P01) while parsing the query.
  const [row] = await sql<Array<{ last: string | null }>>`select max(created_at)::text as last from drizzle.__drizzle_migrations`.catch((error: { code?: string }) => {
    if (error.code === "42P01" || error.code === "3F000") return [{ last: null }];
    throw error;
  });
  return !row?.last || Number(row.last) < latest;
}
