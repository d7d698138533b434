import { sql as statement, type SQL } from "drizzle-orm";
import { drizzle } from "drizzle-orm/postgres-js";
import postgres from "postgres";
import * as schema from "./schema";

export function createDb(url: string, options: { max?: number; applicationName?: string; onQuery?: (query: string, params: unknown[]) => void } = {}) {
  const sql = postgres(url, {
    max: options.max ?? 10,
    // Sees every statement with its parameters (tests use it to EXPLAIN the send path's real queries).
    ...(options.onQuery ? { debug: (_connection: number, query: string, params: unknown[]) => options.onQuery!(query, params) } : {}),
    onnotice: () => {},
    // A connection attempt that gets no answer (a server mid-restart) gives up after 10 s instead of postgres.js's 30,
    // so a request during an outage is answered with its 503 while the caller still waits.
    connect_timeout: 10,
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
 * call. Prepared, a connection parses it once and sends each later call in
 * one round trip, and PostgreSQL may settle on a generic plan instead of
 * planning the statement every time. Each call is sent when made, in the
 * order made, so calls that need not wait for each other can be pipelined.
 *
 * Only for the send path's per-batch statements, whose text never varies (the
 * driver keeps every prepared statement for the connection's life), and whose
 * plans are tested as generic plans (tests/engine/claim-plan.test.ts).
 */
export function prepared<T extends Record<string, unknown>>(db: Executor, query: SQL): Promise<T[]> {
  const { dialect, session } = db as unknown as DriverInternals;
  const { sql: text, params } = dialect.sqlToQuery(query);
  // Sent now, not when first awaited (the driver's queries are lazy): statements go out in the order they are made.
  return session.client.unsafe(text, params as postgres.ParameterOrJSON<never>[], { prepare: true }).execute() as unknown as Promise<T[]>;
}

/**
 * A transaction on a connection of its own whose statements, BEGIN and
 * COMMIT included, go out without waiting for each other's answers. `fn`
 * gets a database bound to that connection (BEGIN is already on the wire)
 * and `commit(last)`: it sends COMMIT right behind `last` (statements `fn`
 * has already sent) and resolves with their answers. PostgreSQL runs them in
 * order; when one fails, the rest fail too and the COMMIT rolls back, so a
 * check that must stop the commit has to be inside a statement
 * (herald_fail). Returning without committing, or an error, rolls back.
 *
 * The point is the locks: the COMMIT follows the last write at once instead
 * of after a round trip through a busy Node, so the rows every batch updates
 * (the run's and the campaign's counters) are held only as long as the
 * statements and the commit take (docs/decisions/028).
 */
export async function pipelinedTransaction<T>(
  db: Database,
  fn: (tx: Database, commit: <P extends readonly unknown[]>(last: [...P]) => Promise<{ -readonly [K in keyof P]: Awaited<P[K]> }>) => Promise<T>,
): Promise<T> {
  const { session } = db as unknown as DriverInternals;
  const connection = await session.client.reserve();
  // drizzle sets its type parsers on `options`, which a reserved connection shares with its pool but does not expose.
  Object.assign(connection, { options: session.client.options });
  const tx = drizzle(connection, { casing: "snake_case" }) as unknown as Database;
  let finished = false;
  try {
    const begun = prepared(tx, statement`begin`);
    begun.catch(() => {}); // its failure fails every statement behind it
    const result = await fn(tx, async (last) => {
      const answers = await Promise.all([begun, ...last, prepared(tx, statement`commit`)]);
      finished = true;
      // A statement sent but not passed in `last` may have failed unseen: PostgreSQL then answers COMMIT with ROLLBACK.
      if ((answers.at(-1) as { command?: string }).command !== "COMMIT") throw new Error("the transaction was rolled back: a statement in it failed");
      return answers.slice(1, -1) as never;
    });
    if (!finished) {
      finished = true;
      await prepared(tx, statement`rollback`);
    }
    return result;
  } catch (error) {
    // Behind whatever is still on the wire: by its answer, the connection is idle and out of any transaction.
    if (!finished) await prepared(tx, statement`rollback`).catch(() => {});
    throw error;
  } finally {
    connection.release();
  }
}
