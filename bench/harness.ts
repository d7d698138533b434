import os from "node:os";
import path from "node:path";
import postgres from "postgres";
import { createDb } from "../db/client";
import { startEmbeddedPostgres } from "../db/embedded";
import { migrateDatabase } from "../db/migrate";
import { loadConfig } from "../server/config";
import { createLogger } from "../server/lib/log";
import type { Services } from "../server/services";

const root = path.resolve(import.meta.dirname, "..");

/** A PostgreSQL server a benchmark runs on; `url` names its `postgres` database. */
export interface BenchServer {
  label: string;
  url: string;
  stop(): Promise<void>;
}

/**
 * A fresh, migrated database for one benchmark: on `on` when given, else on
 * BENCH_DATABASE_URL's server when set, else on an embedded PostgreSQL in .herald/bench-pg.
 */
export async function benchDatabase(name: string, env: Record<string, string> = {}, on?: BenchServer) {
  const external = on?.url ?? process.env.BENCH_DATABASE_URL;
  const embedded = external ? null : await startEmbeddedPostgres({ dataDir: path.join(root, ".herald/bench-pg"), preferredPort: 54349, database: "postgres", fsync: false });
  const server = new URL(external ?? embedded!.url);
  const admin = new URL(server);
  admin.pathname = "/postgres";
  const adminUrl = admin;
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
  return {
    services,
    url: url.toString(),
    /** With `drop`, the database goes too (a 1,000,000-recipient one holds gigabytes). */
    async close(options: { drop?: boolean } = {}) {
      await close();
      if (options.drop) {
        const admin = postgres(adminUrl.toString(), { max: 1, onnotice: () => {} });
        await admin.unsafe(`drop database if exists "${database}" with (force)`);
        await admin.end();
      }
      if (embedded?.owned) await embedded.stop();
    },
  };
}

export const fmt = new Intl.NumberFormat("en-US", { maximumFractionDigits: 1 });

export function percentile(values: number[], p: number): number {
  const sorted = [...values].sort((a, b) => a - b);
  return sorted[Math.min(sorted.length - 1, Math.ceil((p / 100) * sorted.length) - 1)] ?? 0;
}

/** Runs `fn` `runs` times in a row; median and 95th percentile in ms. */
export async function timed(runs: number, fn: (i: number) => Promise<unknown>) {
  const times: number[] = [];
  for (let i = 0; i < runs; i++) {
    const t0 = performance.now();
    await fn(i);
    times.push(performance.now() - t0);
  }
  return { p50: percentile(times, 50), p95: percentile(times, 95) };
}

export function report(title: string, rows: Array<[string, string, string]>) {
  console.log(`\n## ${title}\n`);
  console.log("| measure | result | target |\n| --- | --- | --- |");
  for (const [m, r, t] of rows) console.log(`| ${m} | ${r} | ${t} |`);
}

/** The server every suite but engine runs on (BENCH_DATABASE_URL's, else the embedded one), described for the suite's header. */
export async function describeDefaultServer(): Promise<string> {
  const external = process.env.BENCH_DATABASE_URL;
  if (external) return describeServer(external);
  const embedded = await startEmbeddedPostgres({ dataDir: path.join(root, ".herald/bench-pg"), preferredPort: 54349, database: "postgres" });
  try {
    return `embedded PostgreSQL (.herald/bench-pg) · ${await describeServer(embedded.url)}`;
  } finally {
    if (embedded.owned) await embedded.stop();
  }
}

/**
 * The settings that decide what a figure means: version, durability, JIT, memory, and what competes with a
 * long send (autovacuum; data checksums, which make the first hint bit set on a page after a checkpoint log
 * the whole page).
 */
export async function describeServer(url: string): Promise<string> {
  const sql = postgres(url, { max: 1, onnotice: () => {} });
  try {
    const [s] = await sql<Array<Record<string, string>>>`
      select current_setting('server_version') as version, current_setting('fsync') as fsync, current_setting('synchronous_commit') as synchronous_commit,
             current_setting('full_page_writes') as full_page_writes, current_setting('jit') as jit, pg_jit_available()::text as jit_available,
             current_setting('shared_buffers') as shared_buffers, current_setting('max_wal_size') as max_wal_size, current_setting('work_mem') as work_mem,
             current_setting('autovacuum') as autovacuum, current_setting('data_checksums') as data_checksums`;
    const jit = s!.jit === "on" ? `jit=on (${s!.jit_available === "true" ? "LLVM available" : "no LLVM: JIT cannot run"}; Herald's own sessions set jit=off)` : "jit=off";
    return `PostgreSQL ${s!.version} · fsync=${s!.fsync} · synchronous_commit=${s!.synchronous_commit} · full_page_writes=${s!.full_page_writes} · ${jit} · shared_buffers=${s!.shared_buffers} · max_wal_size=${s!.max_wal_size} · work_mem=${s!.work_mem} · autovacuum=${s!.autovacuum} · data_checksums=${s!.data_checksums}`;
  } finally {
    await sql.end({ timeout: 5 });
  }
}

/** Load average of the machine (1 min): a busy machine explains a slow figure. */
export const load = () => `load ${os.loadavg()[0]!.toFixed(1)} on ${os.cpus().length} cores`;

/**
 * The servers the engine suite measures: an embedded PostgreSQL started with
 * fsync on (its own data folder, .herald/bench-pg-durable), and BENCH_DATABASE_URL's server when set
 * (BENCH_SERVERS=embedded or external picks one).
 */
export async function engineServers(): Promise<BenchServer[]> {
  // BENCH_SERVERS=external (or embedded) measures one of the two only.
  const only = process.env.BENCH_SERVERS;
  const servers = only === "external" ? [] : [await durableEmbedded()];
  const external = process.env.BENCH_DATABASE_URL;
  if (external && only !== "embedded") {
    const admin = new URL(external);
    admin.pathname = "/postgres";
    servers.push({ label: `BENCH_DATABASE_URL (${admin.host})`, url: admin.toString(), stop: async () => {} });
  }
  return servers;
}

/**
 * The embedded PostgreSQL as `npm start` runs it (fsync on), in a data folder
 * of its own: what a user's durable install does.
 */
async function durableEmbedded(): Promise<BenchServer> {
  const embedded = await startEmbeddedPostgres({ dataDir: path.join(root, ".herald/bench-pg-durable"), preferredPort: 54359, database: "postgres" });
  return { label: "embedded PostgreSQL, fsync on (.herald/bench-pg-durable)", url: embedded.url, stop: async () => { if (embedded.owned) await embedded.stop(); } };
}
