import path from "node:path";
import postgres from "postgres";
import { createDb } from "../db/client";
import { startEmbeddedPostgres } from "../db/embedded";
import { migrateDatabase } from "../db/migrate";
import { loadConfig } from "../server/config";
import { createLogger } from "../server/lib/log";
import type { Services } from "../server/services";
import { markConfiguredBases } from "../sync/run";

const root = path.resolve(import.meta.dirname, "..");

/**
 * A fresh, migrated database for one benchmark: on BENCH_DATABASE_URL's
 * server when set, else on an embedded PostgreSQL in .herald/bench-pg.
 */
export async function benchDatabase(name: string, env: Record<string, string> = {}) {
  const external = process.env.BENCH_DATABASE_URL;
  const embedded = external ? null : await startEmbeddedPostgres({ dataDir: path.join(root, ".herald/bench-pg"), preferredPort: 54349, database: "postgres" });
  const server = new URL(external ?? embedded!.url);
  const admin = new URL(server);
  admin.pathname = "/postgres";
  const sql = postgres(admin.toString(), { max: 1, onnotice: () => {} });
  const database = `herald_bench_${name}`;
  await sql.unsafe(`drop database if exists "${database}" with (force)`);
  await sql.unsafe(`create database "${database}"`);
  await sql.end();
  const url = new URL(server);
  url.pathname = `/${database}`;
  await migrateDatabase(url.toString());
  const config = loadConfig({ LOG_LEVEL: "silent", HERALD_SECRET: "bench-secret-bench-secret-bench-secret", DATABASE_URL: url.toString(), ...env });
  const { db, close } = createDb(url.toString(), { max: 12 });
  const services: Services = { config, db, log: createLogger("silent"), secret: config.HERALD_SECRET! };
  await markConfiguredBases(services); // as start-up does
  return {
    services,
    url: url.toString(),
    async close() {
      await close();
      if (embedded?.owned) await embedded.stop();
    },
  };
}

export const fmt = new Intl.NumberFormat("en-US", { maximumFractionDigits: 1 });

export function percentile(values: number[], p: number): number {
  const sorted = [...values].sort((a, b) => a - b);
  return sorted[Math.min(sorted.length - 1, Math.ceil((p / 100) * sorted.length) - 1)] ?? 0;
}

export function report(title: string, rows: Array<[string, string, string]>) {
  console.log(`\n## ${title}\n`);
  console.log("| measure | result | target |\n| --- | --- | --- |");
  for (const [m, r, t] of rows) console.log(`| ${m} | ${r} | ${t} |`);
}
