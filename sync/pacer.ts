import { sql } from "drizzle-orm";
import type { Executor } from "../db/client";

/** Airtable: 5 requests/s per base, measured where the requests arrive. */
export const AIRTABLE_LIMIT = 5;
/** Margin on top of the one-second window: clock granularity and timer lateness. */
export const PACER_MARGIN_MS = 100;
export const PENALTY_MS = 30_000;

export const sleep = (ms: number) => new Promise<void>((resolve) => setTimeout(resolve, ms));

/**
 * A window of request departures, shared by every process through
 * PostgreSQL (decision 015). A request holds one of the base's five places
 * from before it leaves until one second (plus the margin) after its answer
 * came back. Airtable counts a request when it arrives, which is between
 * those two moments whatever the network or the event loop did, so no
 * second as Airtable measures it can ever hold six.
 */
export class Pacer {
  constructor(private readonly db: Executor, private readonly key: string, private readonly limit = AIRTABLE_LIMIT, private readonly marginMs = PACER_MARGIN_MS) {}

  /** Waits for a place, runs the request, and releases the place with the time its answer arrived. */
  async run<T>(call: () => Promise<T>): Promise<T> {
    const ticket = await this.take();
    try {
      return await call();
    } finally {
      await this.db.execute(sql`update airtable_requests set done_at = clock_timestamp() where id = ${ticket}`);
    }
  }

  private async take(): Promise<number> {
    for (;;) {
      const [row] = await this.db.execute<{ ticket: number | null; wait_ms: number }>(
        sql`select ticket, wait_ms from herald_airtable_take(${this.key}, ${this.limit}, ${1000 + this.marginMs})`,
      );
      if (row?.ticket != null) return row.ticket;
      await sleep(Math.min(row?.wait_ms ?? 50, PENALTY_MS));
    }
  }

  /** After a 429: nobody sends to this base for 30 s (Airtable keeps refusing meanwhile). */
  async block(ms = PENALTY_MS) {
    await this.db.execute(sql`
      insert into airtable_pacer (key, blocked_until) values (${this.key}, clock_timestamp() + make_interval(secs => ${ms / 1000}))
      on conflict (key) do update set blocked_until = greatest(coalesce(airtable_pacer.blocked_until, clock_timestamp()), excluded.blocked_until)`);
  }
}
