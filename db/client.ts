import type { SQL } from "drizzle-orm";
import { drizzle } from "drizzle-orm/postgres-js";
import postgres from "postgres";
import * as schema from "./schema";

export function createDb(url: string, options: { max?: number; applicationName?: string; onQuery?: (query: string, params: unknown[]) => void } = {}) {
  const sql = postgres(url, {
    max: options.max ?? 10,
    // Sees every statement with its parameters (tests use it to EXPLAIN the send path's real queries).
    ...(options.onQuery ? { debug: (_connection: number, query: string, params: unknown[]) => options.onQuery!(query, params) } : {}),
    onnotice: () => {},
    // int8 (ids, counts) as JS numbers: exact far beyond any id or count Herald will hold.
    types: { int8: { to: 20, from: [20], serialize: (v: number) => String(v), parse: (v: string) => Number(v) } },
    // jit off for every Herald session: its queries are short and index-driven, and on large tables their
    // estimated cost crosses jit_above_cost, so a 2 ms query would spend 100+ ms compiling itself (decision 013).
    connection: { application_name: options.applicationName ?? "herald", jit: "off" },
  });
  const db = drizzle(sql, { schema, casing: "snake_case" });
  return { sql, db, close: () => sql.end({ timeout: 5 }) };
}

export type Database = ReturnType<typeof createDb>["db"];
export type Transaction = Parameters<Parameters<Database["transaction"]>[0]>[0];
/** Anything that can run a query: the pool or an open transaction. */
export type Executor = Database | Transaction;
export { schema };

/** What `prepared` needs of drizzle's postgres-js database or transaction (not part of drizzle's typed surface). */
interface DriverInternals {
  dialect: { sqlToQuery(query: SQL): { sql: string; params: unknown[] } };
  session: { client: postgres.Sql };
}

/**
 * Runs a statement as a named prepared statement of its connection. Drizzle's
 * `execute` asks the driver for an unnamed statement, which the driver first
 * sends alone to learn its parameter types: two round trips and a parse a
 * call. Prepared, a connection parses it once, sends each later call in one
 * round trip (so calls can be pipelined), and PostgreSQL may settle on a
 * generic plan instead of planning the statement every time.
 *
 * Only for the send path's per-batch statements, whose text never varies (the
 * driver keeps every prepared statement for the connection's life), and whose
 * plans are tested as generic plans (tests/engine/claim-plan.test.ts).
 */
export function prepared<T extends Record<string, unknown>>(db: Executor, query: SQL): Promise<T[]> {
  const { dialect, session } = db as unknown as DriverInternals;
  const { sql: text, params } = dialect.sqlToQuery(query);
  return session.client.unsafe(text, params as postgres.ParameterOrJSON<never>[], { prepare: true }) as unknown as Promise<T[]>;
}
