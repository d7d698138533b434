import { sql } from "drizzle-orm";
import type { Database } from "../../db/client";
import { TooManyAttempts } from "../errors";

/**
 * Failed sign-ins are counted per account and per client address in a
 * 15-minute window. Reaching the limit locks the key for 15 minutes; while it
 * is locked no password is even checked, so a correct guess cannot slip
 * through. The per-address limit is higher because offices share addresses.
 */
export const THROTTLE = { windowMinutes: 15, lockMinutes: 15, perAccount: 5, perAddress: 20 };

export const accountKey = (email: string) => `account:${email.trim().toLowerCase().slice(0, 320)}`;
export const addressKey = (address: string) => `address:${address}`;

function keysFor(email: string, address: string | undefined) {
  return [
    { key: accountKey(email), limit: THROTTLE.perAccount },
    ...(address ? [{ key: addressKey(address), limit: THROTTLE.perAddress }] : []),
  ];
}

/** Throws TooManyAttempts when the account or the address is locked now. */
export async function assertNotLocked(db: Database, email: string, address: string | undefined): Promise<void> {
  const keys = keysFor(email, address).map((k) => k.key);
  const [row] = await db.execute<{ seconds: number | null }>(sql`
    select ceil(extract(epoch from max(locked_until) - now()))::int as seconds
    from login_throttle where key in (${sql.join(keys.map((k) => sql`${k}`), sql`, `)}) and locked_until > now()`);
  const seconds = row?.seconds;
  if (seconds && seconds > 0) {
    const minutes = Math.ceil(seconds / 60);
    throw new TooManyAttempts(
      `Too many failed sign-ins. For your safety sign-in is paused: try again in ${minutes} minute${minutes === 1 ? "" : "s"}.`,
      seconds,
    );
  }
}

export async function recordFailure(db: Database, email: string, address: string | undefined): Promise<void> {
  const window = sql.raw(`interval '${THROTTLE.windowMinutes} minutes'`);
  const lock = sql.raw(`interval '${THROTTLE.lockMinutes} minutes'`);
  for (const { key, limit } of keysFor(email, address)) {
    await db.execute(sql`
      insert into login_throttle as t (key, failures, window_started_at, locked_until)
      values (${key}, 1, now(), case when ${limit} <= 1 then now() + ${lock} end)
      on conflict (key) do update set
        failures = case when t.window_started_at < now() - ${window} then 1 else t.failures + 1 end,
        window_started_at = case when t.window_started_at < now() - ${window} then now() else t.window_started_at end,
        locked_until = case
          when (case when t.window_started_at < now() - ${window} then 1 else t.failures + 1 end) >= ${limit} then now() + ${lock}
          else t.locked_until end`);
  }
  // Old rows are worthless once their window and lock are over; the index on window_started_at finds them.
  await db.execute(sql`
    delete from login_throttle where window_started_at < now() - interval '1 day' and (locked_until is null or locked_until < now())`);
}

/** A successful sign-in clears its account's count (never the address's: one known password must not reset a spray). */
export async function clearAccount(db: Database, email: string): Promise<void> {
  await db.execute(sql`delete from login_throttle where key = ${accountKey(email)}`);
}
