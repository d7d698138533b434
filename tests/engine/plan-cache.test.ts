import { sql } from "drizzle-orm";
import postgres from "postgres";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { createDb } from "../../db/client";
import { transitionCampaign } from "../../server/campaigns/lifecycle";
import { createLogger } from "../../server/lib/log";
import { outboxTransport } from "../../server/sending/outbox-transport";
import { sendRun } from "../../server/sending/send-run";
import type { Services } from "../../server/services";
import { createTestDatabase, testConfig } from "../helpers/db";
import { campaignFactory } from "../helpers/engine";

/**
 * A worker's connections keep the send path's prepared statements and, after
 * five runs of each, PostgreSQL's generic plan of it. Made during a first,
 * small campaign, that plan must still be the keyed one when a run of tens of
 * thousands comes next, though nothing re-plans it but an ANALYZE (decision 051).
 */
let services: Services;
let raw: postgres.Sql;
let closeDb = async () => {};
let drop = async () => {};

beforeAll(async () => {
  const database = await createTestDatabase();
  drop = database.drop;
  const config = testConfig({ DATABASE_URL: database.url });
  const { db, close } = createDb(database.url, { max: 2 });
  closeDb = close;
  services = { config, db, log: createLogger("silent"), secret: config.HERALD_SECRET! };
  raw = postgres(database.url, { max: 1, onnotice: () => {} });
  // No ANALYZE comes to re-plan anything (as on a server without autovacuum).
  for (const table of ["scheduled_emails", "run_recipients", "outbox_messages", "leads"]) await raw.unsafe(`alter table ${table} set (autovacuum_enabled = off)`);
}, 60_000);
afterAll(async () => {
  await raw.end({ timeout: 5 });
  await closeDb();
  await drop();
});

/** Rows read by sequential scans of scheduled_emails so far, once the pool's sessions have reported their statistics. */
async function sequentiallyRead() {
  // A session reports its table statistics when it goes idle at least a second after its last report.
  await new Promise((r) => setTimeout(r, 1_100));
  await Promise.all([1, 2].map(() => services.db.execute(sql`select pg_sleep(0.05)`)));
  await new Promise((r) => setTimeout(r, 100));
  const [row] = await raw.begin(async (tx) => {
    await tx`select pg_stat_clear_snapshot()`;
    return tx<Array<{ n: number }>>`select coalesce(seq_tup_read, 0)::bigint as n from pg_stat_user_tables where relname = 'scheduled_emails'`;
  });
  return Number(row!.n);
}

describe("the send path's cached plans (decision 051)", () => {
  it("made while the tables were small, still find a later big run's emails by their keys, never by reading the table", async () => {
    const small = await campaignFactory(services, { recipients: 2_000 });
    const first = await transitionCampaign(services.db, small.id, "start", { source: "app" });
    expect(await sendRun(services, outboxTransport, small.id, first.runId!, { workerId: "w" })).toMatchObject({ outcome: "completed", sent: 2_000 });

    const big = await campaignFactory(services, { recipients: 40_000 });
    const second = await transitionCampaign(services.db, big.id, "start", { source: "app" });
    const before = await sequentiallyRead();
    const lane = await sendRun(services, outboxTransport, big.id, second.runId!, { workerId: "w", limit: 2_000 });
    expect(lane.sent).toBe(2_000);
    const read = (await sequentiallyRead()) - before;
    // One sequential read of the table is 42,000 rows; a stale plan read it for every batch (20 of them).
    expect(read, `${read} rows of scheduled_emails read sequentially while sending 20 batches`).toBeLessThan(42_000);
  }, 180_000);
});
