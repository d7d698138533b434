import { sql } from "drizzle-orm";
import type { Executor } from "../../db/client";

/**
 * Reserves `units` of a cluster-wide rate (requests or emails per second) and
 * returns how long the caller must wait before using them. One UPDATE per
 * reservation; every process shares the same row, so the limit holds across
 * any number of workers.
 */
export async function reserve(db: Executor, key: string, perSecond: number, units = 1): Promise<number> {
  const seconds = units / perSecond;
  const [row] = await db.execute<{ wait_ms: number }>(sql`
    insert into rate_limits as r (key, requests_per_second, next_slot_at)
    values (${key}, ${perSecond}, clock_timestamp() + make_interval(secs => ${seconds}))
    on conflict (key) do update set
      requests_per_second = excluded.requests_per_second,
      next_slot_at = greatest(r.next_slot_at, clock_timestamp(), coalesce(r.blocked_until, clock_timestamp())) + make_interval(secs => ${seconds})
    returning greatest(0, extract(epoch from (r.next_slot_at - make_interval(secs => ${seconds}) - clock_timestamp())) * 1000)::float8 as wait_ms`);
  return row!.wait_ms;
}

/**
 * Like `reserve`, but takes the slot only when it comes within `maxWaitMs`;
 * otherwise takes nothing and says how long until it would. A lane that may
 * not sleep that long reschedules itself for then instead of burning slots.
 * One statement (it runs before every batch): the row is locked, read and
 * moved in one go; a key seen for the first time is created, then asked again.
 */
export async function tryReserve(db: Executor, key: string, perSecond: number, units: number, maxWaitMs: number): Promise<{ held: boolean; waitMs: number }> {
  const seconds = units / perSecond;
  for (;;) {
    const [row] = await db.execute<{ wait_ms: number; held: boolean }>(sql`
      with cur as (
        select key, greatest(next_slot_at, coalesce(blocked_until, next_slot_at)) as free_at from rate_limits where key = ${key} for update
      ), taken as (
        update rate_limits r set requests_per_second = ${perSecond},
          next_slot_at = greatest(r.next_slot_at, clock_timestamp(), coalesce(r.blocked_until, clock_timestamp())) + make_interval(secs => ${seconds})
        from cur where r.key = cur.key and cur.free_at <= clock_timestamp() + make_interval(secs => ${maxWaitMs / 1000})
        returning 1
      )
      select greatest(0, extract(epoch from (free_at - clock_timestamp())) * 1000)::float8 as wait_ms, exists (select 1 from taken) as held from cur`);
    if (row) return { held: row.held, waitMs: row.wait_ms };
    await db.execute(sql`insert into rate_limits (key, requests_per_second, next_slot_at) values (${key}, ${perSecond}, clock_timestamp()) on conflict (key) do nothing`);
  }
}

/** How long until `units` could be reserved, without reserving them. */
export async function waitFor(db: Executor, key: string): Promise<number> {
  const [row] = await db.execute<{ wait_ms: number }>(sql`
    select greatest(0, extract(epoch from (greatest(next_slot_at, coalesce(blocked_until, next_slot_at)) - clock_timestamp())) * 1000)::float8 as wait_ms
    from rate_limits where key = ${key}`);
  return row?.wait_ms ?? 0;
}

/** After a 429: nobody calls the provider again before `ms` have passed. */
export async function block(db: Executor, key: string, ms: number): Promise<void> {
  await db.execute(sql`
    update rate_limits set blocked_until = greatest(coalesce(blocked_until, clock_timestamp()), clock_timestamp() + make_interval(secs => ${ms / 1000}))
    where key = ${key}`);
}

/** Waits, or less when the signal aborts (the slot stays reserved; the caller checks the signal next). */
export const sleep = (ms: number, signal?: AbortSignal) => new Promise<void>((resolve) => {
  if (signal?.aborted) return resolve();
  const timer = setTimeout(done, ms);
  function done() {
    clearTimeout(timer);
    signal?.removeEventListener("abort", done);
    resolve();
  }
  signal?.addEventListener("abort", done, { once: true });
});
