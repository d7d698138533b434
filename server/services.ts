import { randomBytes } from "node:crypto";
import { sql } from "drizzle-orm";
import type { Database } from "../db/client";
import type { Config } from "./config";
import type { Logger } from "./lib/log";

/** What every service function needs: handed down explicitly, never imported as a singleton. */
export interface Services {
  config: Config;
  db: Database;
  log: Logger;
  /** HMAC key for tracking, unsubscribe and reply tokens. */
  secret: string;
}

/**
 * HERALD_SECRET when set; otherwise a random one generated on first start and
 * kept in the database, so every process of one installation agrees on it.
 */
export async function resolveSecret(db: Database, config: Config): Promise<string> {
  if (config.HERALD_SECRET) return config.HERALD_SECRET;
  // Read first: a read-only command on a database that has its secret writes nothing.
  const [kept] = await db.execute<{ value: string }>(sql`select value from settings where key = 'secret'`);
  if (kept) return kept.value;
  const generated = randomBytes(32).toString("base64url");
  await db.execute(sql`insert into settings (key, value) values ('secret', ${generated}) on conflict (key) do nothing`);
  const rows = await db.execute<{ value: string }>(sql`select value from settings where key = 'secret'`);
  return rows[0]!.value;
}
