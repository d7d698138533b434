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

/**
 * Takes one attempt for the account and the client address before any
 * password is checked, counted as a failure until the password proves right
 * (settleSuccess). Counting first, in one row update per key, is what holds
 * under parallel guesses: checking the lock and counting after the slow hash
 * let 40 guesses at once all through (decision 053). A locked key takes no
 * attempt and nothing is counted: TooManyAttempts.
 */
export async function takeAttempt(db: Database, email: string, address: string | undefined): Promise<void> {
  const window = sql.raw(`interval '${THROTTLE.windowMinutes} minutes'`);
  const lock = sql.raw(`interval '${THROTTLE.lockMinutes} minutes'`);
  await db.transaction(async (tx) => {
    for (const { key, limit } of keysFor(email, address)) {
      // The update is skipped while the key is locked: no row comes back, and the refusal rolls the whole attempt back.
      const taken = await tx.execute(sql`
        insert into login_throttle as t (key, failures, window_started_at, locked_until)
        values (${key}, 1, now(), case when ${limit} <= 1 then now() + ${lock} end)
        on conflict (key) do update set
          failures = case when t.window_started_at < now() - ${window} then 1 else t.failures + 1 end,
          window_started_at = case when t.window_started_at < now() - ${window} then now() else t.window_started_at end,
          locked_until = case
            when (case when t.window_started_at < now() - ${window} then 1 else t.failures + 1 end) >= ${limit} then now() + ${lock}
            else t.locked_until end
        where t.locked_until is null or t.locked_until <= now()
        returning key`);
      if (!taken.length) {
        const keys = keysFor(email, address).map((k) => sql`${k.key}`);
        const [row] = await tx.execute<{ seconds: number | null }>(sql`
          select ceil(extract(epoch from max(locked_until) - now()))::int as seconds
          from login_throttle where key in (${sql.join(keys, sql`, `)}) and locked_until > now()`);
        const seconds = Math.max(1, row?.seconds ?? 1);
        const minutes = Math.ceil(seconds / 60);
        throw new TooManyAttempts(`Too many failed sign-ins. For your safety sign-in is paused: try again in ${minutes} minute${minutes === 1 ? "" : "s"}.`, seconds);
      }
    }
    // Old rows are worthless once their window and lock are over; the index on window_started_at finds them.
    await tx.execute(sql`
      delete from login_throttle where window_started_at < now() - interval '1 day' and (locked_until is null or locked_until < now())`);
  });
}

/**
 * The password was right: the account's count is cleared, and the address
 * gives back only the attempt this sign-in took (one known password must not
 * reset a spray from that address), unlocking it if that attempt locked it.
 */
export async function settleSuccess(db: Database, email: string, address: string | undefined): Promise<void> {
  await db.execute(sql`delete from login_throttle where key = ${accountKey(email)}`);
  if (!address) return;
  await db.execute(sql`
    update login_throttle set failures = greatest(failures - 1, 0),
      locked_until = case when failures - 1 < ${THROTTLE.perAddress} then null else locked_until end
    where key = ${addressKey(address)}`);
}
