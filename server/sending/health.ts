import { sql } from "drizzle-orm";
import type { Executor } from "../../db/client";

/**
 * After any transient failure (5xx, timeout, network) no lane claims a fresh
 * batch: one probe at a time retakes the failed batch, 1 s, 2 s, 4 s … up to
 * three minutes apart. From this many in a row the provider is shown as unavailable.
 */
export const OPEN_AFTER = 2;
/** The longest the circuit stays shut between probes. */
const MAX_BACKOFF_SECONDS = 180;

export interface ProviderStatus {
  provider: string;
  available: boolean;
  /** When the provider started failing (null while it answers). */
  unavailableSince: Date | null;
  /** When a lane will next try it. */
  retryAt: Date | null;
  lastError: string | null;
  /** "Provider unavailable since …, retrying at …", or null while it answers. */
  message: string | null;
}

const hhmmss = (d: Date) => d.toISOString().slice(11, 19);

/** What the run page and `herald run` show: the provider's health as every lane sees it. */
export async function providerStatus(db: Executor, provider = "resend"): Promise<ProviderStatus> {
  const [row] = await db.execute<{ failures: number; since: string | null; retry_at: string | null; last_error: string | null }>(sql`
    select consecutive_failures as failures, unavailable_since as since, retry_at, last_error from provider_health where provider = ${provider}`);
  const open = Boolean(row && row.failures >= OPEN_AFTER);
  const since = open && row!.since ? new Date(row!.since) : null;
  const retryAt = open && row!.retry_at ? new Date(row!.retry_at) : null;
  return {
    provider, available: !open, unavailableSince: since, retryAt, lastError: open ? row!.last_error : null,
    message: open && since && retryAt ? `Provider unavailable since ${hhmmss(since)} UTC (${row!.last_error ?? "no answer"}), retrying at ${hhmmss(retryAt)} UTC. Nothing is lost: every email waits and goes out once it answers.` : null,
  };
}

/**
 * Before a lane claims: "closed" (send), "probe" (the circuit is open and this
 * lane won the one probe of this round), or the time to come back. Winning the
 * probe pushes retry_at forward, so only one lane of the cluster probes.
 */
export async function circuitGate(db: Executor, provider: string): Promise<{ state: "closed" } | { state: "probe" } | { state: "open"; retryAt: Date }> {
  const [row] = await db.execute<{ failures: number; retry_at: string | null; won: boolean }>(sql`
    with probe as (
      update provider_health set retry_at = clock_timestamp() + make_interval(secs => least(${MAX_BACKOFF_SECONDS}, power(2, consecutive_failures)))
      where provider = ${provider} and consecutive_failures > 0 and retry_at <= clock_timestamp()
      returning 1
    )
    select h.consecutive_failures as failures, h.retry_at, exists (select 1 from probe) as won from provider_health h where h.provider = ${provider}`);
  if (!row || row.failures === 0) return { state: "closed" };
  if (row.won) return { state: "probe" };
  return { state: "open", retryAt: new Date(row.retry_at!) };
}

/** A transient failure: the next probe waits 1 s, 2 s, 4 s … up to three minutes. Returns when to retry. */
export async function recordProviderFailure(db: Executor, provider: string, error: string): Promise<Date> {
  const [row] = await db.execute<{ retry_at: string }>(sql`
    insert into provider_health as h (provider, consecutive_failures, unavailable_since, retry_at, last_error, updated_at)
    values (${provider}, 1, clock_timestamp(), clock_timestamp() + interval '1 second', ${error}, now())
    on conflict (provider) do update set
      consecutive_failures = h.consecutive_failures + 1,
      unavailable_since = case when h.consecutive_failures = 0 then clock_timestamp() else coalesce(h.unavailable_since, clock_timestamp()) end,
      retry_at = clock_timestamp() + make_interval(secs => least(${MAX_BACKOFF_SECONDS}, power(2, h.consecutive_failures))),
      last_error = excluded.last_error, updated_at = now()
    returning retry_at`);
  return new Date(row!.retry_at);
}

/** Any answer from the provider (even a per-email rejection) closes the circuit. */
export async function recordProviderSuccess(db: Executor, provider: string): Promise<void> {
  await db.execute(sql`
    update provider_health set consecutive_failures = 0, unavailable_since = null, retry_at = null, last_error = null, updated_at = now()
    where provider = ${provider} and consecutive_failures > 0`);
}
