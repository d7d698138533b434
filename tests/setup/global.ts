import { execFileSync } from "node:child_process";
import path from "node:path";
import type { TestProject } from "vitest/node";
import postgres from "postgres";
import { startEmbeddedPostgres } from "../../db/embedded";
import { migrateDatabase } from "../../db/migrate";
import { compiledEntry } from "../../bin/compiled.js";

declare module "vitest" {
  export interface ProvidedContext {
    adminUrl: string;
    templateDatabase: string;
  }
}

function withDatabase(url: string, database: string) {
  const u = new URL(url);
  u.pathname = `/${database}`;
  return u.toString();
}

/**
 * One PostgreSQL for the run (TEST_DATABASE_URL, else DATABASE_URL, else an
 * embedded server in .herald/test-pg), one freshly migrated template database
 * per run; every test file then gets its own copy of the template.
 */
export default async function setup(project: TestProject) {
  const root = path.resolve(import.meta.dirname, "../..");
  execFileSync(process.execPath, [path.join(root, "node_modules/@remix-run/dev/dist/cli.js"), "build"], { cwd: root, stdio: "ignore" });
  // The CLI tests run `herald` as users do: compiled. Rebuilt only when a source changed since the last build,
  // so a second test run in this folder does not swap dist/ under the first one's commands.
  if (!compiledEntry(root, {}).entry) execFileSync(process.execPath, [path.join(root, "scripts/build-cli.js")], { cwd: root, stdio: "ignore" });

  const external = process.env.TEST_DATABASE_URL ?? process.env.DATABASE_URL;
  const embedded = external
    ? null
    : await startEmbeddedPostgres({ dataDir: path.join(root, ".herald/test-pg"), preferredPort: 54339, database: "herald_test_admin", fsync: false });
  const serverUrl = external ?? embedded!.url;
  const adminUrl = withDatabase(serverUrl, "postgres");
  const templateDatabase = `herald_template_${process.pid}`;

  const admin = postgres(adminUrl, { max: 1, onnotice: () => {} });
  await admin.unsafe(`drop database if exists "${templateDatabase}"`);
  await admin.unsafe(`create database "${templateDatabase}"`);
  await migrateDatabase(withDatabase(serverUrl, templateDatabase));

  project.provide("adminUrl", adminUrl);
  project.provide("templateDatabase", templateDatabase);

  return async () => {
    await admin.unsafe(`drop database if exists "${templateDatabase}" with (force)`);
    await admin.end({ timeout: 5 });
    if (embedded?.owned) await embedded.stop();
  };
}
