import { readFileSync } from "node:fs";
import { fileURLToPath } from "node:url";
import { drizzle } from "drizzle-orm/postgres-js";
import { migrate } from "drizzle-orm/postgres-js/migrator";
import { Logger, runMigrations as runWorkerMigrations } from "graphile-worker";
import postgres from "postgres";

export const migrationsFolder = fileURLToPath(new URL("./migrations", import.meta.url));
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
    await runWorkerMigrations({ connectionString: url, logger: quietWorkerLogger });
    await sql`select pg_advisory_unlock(${MIGRATION_LOCK})`;
  } finally {
    await sql.end({ timeout: 5 });
  }
}

const quietWorkerLogger = new Logger(() => () => {});

/**
 * True when Herald's last migration (by the journal) is not applied yet, or
 * the database has never been migrated. One query: read-only commands use it
 * instead of migrating on every start.
 */
export async function migrationsPending(url: string): Promise<boolean> {
  const journal = JSON.parse(readFileSync(`${migrationsFolder}/meta/_journal.json`, "utf8")) as { entries: Array<{ when: number }> };
  const latest = Math.max(...journal.entries.map((e) => e.when));
  const sql = postgres(url, { max: 1, onnotice: () => {} });
  try {
    const [row] = await sql<Array<{ last: string | null }>>`
      select case when to_regclass('drizzle.__drizzle_migrations') is null then null
                  else (select max(created_at)::text from drizzle.__drizzle_migrations) end as last`.catch(() => [{ last: null }]);
    return !row?.last || Number(row.last) < latest;
  } finally {
    await sql.end({ timeout: 5 });
  }
}
