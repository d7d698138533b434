import { randomBytes } from "node:crypto";
import postgres from "postgres";
import { afterAll, beforeAll, inject } from "vitest";
import { createDb } from "../../db/client";
import { loadConfig, type Config } from "../../server/config";
import { createLogger } from "../../server/lib/log";
import type { Services } from "../../server/services";

export interface TestDatabase {
  url: string;
  services: Services;
}

export function databaseUrl(name: string) {
  const u = new URL(inject("adminUrl"));
  u.pathname = `/${name}`;
  return u.toString();
}

/** A database of the test file's own, copied from the migrated template. */
export async function createTestDatabase(): Promise<{ name: string; url: string; drop(): Promise<void> }> {
  const name = `herald_test_${randomBytes(5).toString("hex")}`;
  const admin = postgres(inject("adminUrl"), { max: 1, onnotice: () => {} });
  try {
    for (let attempt = 0; ; attempt++) {
      try {
        await admin.unsafe(`create database "${name}" template "${inject("templateDatabase")}"`);
        break;
      } catch (error) {
        // Two files copying the template at the same instant: the second waits its turn.
        if (attempt > 20 || !/being accessed by other users/.test(String(error))) throw error;
        await new Promise((r) => setTimeout(r, 100 + Math.random() * 200));
      }
    }
  } finally {
    await admin.end({ timeout: 5 });
  }
  return {
    name,
    url: databaseUrl(name),
    async drop() {
      const a = postgres(inject("adminUrl"), { max: 1, onnotice: () => {} });
      await a.unsafe(`drop database if exists "${name}" with (force)`);
      await a.end({ timeout: 5 });
    },
  };
}

export function testConfig(overrides: Record<string, string> = {}): Config {
  return loadConfig({ NODE_ENV: "test", LOG_LEVEL: "silent", HERALD_SECRET: "test-secret-test-secret-test-secret-000", ...overrides });
}

/**
 * Registers beforeAll/afterAll for a test file: its own database and a
 * Services object on it. Access the fields inside tests and hooks.
 */
export function useTestDatabase(overrides: Record<string, string> = {}): TestDatabase {
  const handle = {} as TestDatabase;
  let teardown = async () => {};
  beforeAll(async () => {
    const database = await createTestDatabase();
    const config = testConfig({ DATABASE_URL: database.url, ...overrides });
    const { db, close } = createDb(database.url, { max: 8 });
    handle.url = database.url;
    handle.services = { config, db, log: createLogger("silent"), secret: config.HERALD_SECRET! };
    teardown = async () => {
      await close();
      await database.drop();
    };
  });
  afterAll(() => teardown());
  return handle;
}
