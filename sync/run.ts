import { randomUUID } from "node:crypto";
import { hostname } from "node:os";
import { sql } from "drizzle-orm";
import type { Services } from "../server/services";
import { AirtableBase, AirtableRejected, AirtableUnavailable, logSync } from "./client";
import { pullControl, type PullResult } from "./control-base/pull";
import { pushControl } from "./control-base/push";
import { pushPerformance } from "./performance-base/push";
import { controlBase, performanceBase } from "./schema";

export type BaseName = "control" | "performance";

/** The configured bases, or none when AIRTABLE_TOKEN is unset. */
export function configuredBases(services: Services): Partial<Record<BaseName, AirtableBase>> {
  const c = services.config;
  if (!c.AIRTABLE_TOKEN) return {};
  const make = (baseId: string) => new AirtableBase(services.db, { token: c.AIRTABLE_TOKEN!, endpointUrl: c.AIRTABLE_ENDPOINT_URL, baseId });
  return {
    ...(c.AIRTABLE_CONTROL_BASE_ID ? { control: make(c.AIRTABLE_CONTROL_BASE_ID) } : {}),
    ...(c.AIRTABLE_PERFORMANCE_BASE_ID ? { performance: make(c.AIRTABLE_PERFORMANCE_BASE_ID) } : {}),
  };
}

export const schemaOf = (base: BaseName) => (base === "control" ? controlBase : performanceBase);

/**
 * Turns mirroring on for the configured bases: settings('airtable:<base>'),
 * which the always-on outbox triggers check. Data, not DDL: only `herald
 * airtable init` and a sync round call this, so a command run from a shell
 * without the Airtable variables changes nothing. A base turned on for the
 * first time gets a full push queued.
 */
export async function enableSync(services: Services, only?: BaseName) {
  for (const [name, base] of Object.entries(configuredBases(services)) as Array<[BaseName, AirtableBase]>) {
    if (only && only !== name) continue;
    const [changed] = await services.db.execute<{ key: string }>(sql`
      insert into settings (key, value) values (${`airtable:${name}`}, ${base.id})
      on conflict (key) do update set value = excluded.value where settings.value is distinct from excluded.value returning key`);
    if (changed) await queueFullSync(services, 30, name);
  }
}

/** `herald sync --off`: the triggers stop queueing for the base, and what waits is dropped. */
export async function disableSync(services: Services, only?: BaseName) {
  for (const name of only ? [only] : (["control", "performance"] as const)) {
    await services.db.execute(sql`delete from settings where key = ${`airtable:${name}`}`);
    await services.db.execute(sql`delete from sync_outbox where base = ${name}`);
  }
}

/** Queues every campaign (and recent KPI days) for a full push, e.g. on first connection. */
export async function queueFullSync(services: Services, kpiDays = 30, only?: BaseName) {
  if (only !== "performance") await services.db.execute(sql`
    insert into sync_outbox (base, record_key, campaign_id) select 'control', 'campaign:' || id, id from campaigns
    on conflict (base, record_key) do update set updated_at = now(), next_attempt_at = now()`);
  if (only !== "control") await services.db.execute(sql`
    insert into sync_outbox (base, record_key, campaign_id)
    select distinct 'performance'::sync_base, 'kpi:' || campaign_id || ':' || day, campaign_id from campaign_daily_stats where day > current_date - ${kpiDays}::int
    union all
    select distinct 'performance'::sync_base, 'global:' || day, null::bigint from global_daily_stats where day > current_date - ${kpiDays}::int
    on conflict (base, record_key) do update set updated_at = now(), next_attempt_at = now()`);
}

export interface SyncResult {
  base: BaseName;
  pulled?: PullResult;
  pushed: number;
  error?: string;
  /** Another round of this base was running (worker, "Sync now" or `herald sync` elsewhere): this one did nothing. */
  skipped?: string;
}

const ROUND_LEASE = "10 minutes";

/** A round of one base holds its lease; a crashed holder's lease runs out after ten minutes. */
async function takeRound(services: Services, base: BaseName, owner: string): Promise<boolean> {
  const rows = await services.db.execute(sql`
    insert into sync_state (base, round_owner, round_until) values (${base}, ${owner}, now() + ${ROUND_LEASE}::interval)
    on conflict (base) do update set round_owner = excluded.round_owner, round_until = excluded.round_until
    where sync_state.round_until is null or sync_state.round_until < now()
    returning base`);
  return rows.length > 0;
}

async function endRound(services: Services, base: BaseName, owner: string) {
  await services.db.execute(sql`update sync_state set round_owner = null, round_until = null where base = ${base} and round_owner = ${owner}`);
}

/**
 * One round for each configured base: the Control base pulls first (so an
 * ops edit is seen before anything is pushed), then pushes. Rounds of a base
 * never overlap, whoever starts them: a second one finds the lease taken and
 * says so.
 */
export async function syncOnce(services: Services, only?: BaseName): Promise<SyncResult[]> {
  const bases = configuredBases(services);
  const results: SyncResult[] = [];
  await enableSync(services);
  const owner = `${hostname()}:${process.pid}:${randomUUID()}`;
  for (const name of ["control", "performance"] as const) {
    const base = bases[name];
    if (!base || (only && only !== name)) continue;
    const result: SyncResult = { base: name, pushed: 0 };
    if (!(await takeRound(services, name, owner))) {
      results.push({ ...result, skipped: "another round of this base is running" });
      continue;
    }
    try {
      if (name === "control") result.pulled = await pullControl(services, base);
      result.pushed = name === "control" ? await pushControl(services, base) : await pushPerformance(services, base);
    } catch (error) {
      if (!(error instanceof AirtableUnavailable || error instanceof AirtableRejected)) throw error;
      result.error = error.message;
      await logSync(services.db, name, "pull", error instanceof AirtableRejected ? "error" : "warn", error.message);
      await services.db.execute(sql`insert into sync_state (base, last_error, last_error_at) values (${name}, ${error.message}, now())
                                    on conflict (base) do update set last_error = excluded.last_error, last_error_at = now(), updated_at = now()`);
    } finally {
      await endRound(services, name, owner);
    }
    results.push(result);
  }
  return results;
}
