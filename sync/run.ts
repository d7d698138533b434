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
 * Start-up: the outbox triggers run only for configured bases. They are
 * enabled or disabled here (a disabled statement trigger costs nothing on the
 * send path), and settings('airtable:<base>') gates them as well.
 */
export async function markConfiguredBases(services: Services) {
  const bases = configuredBases(services);
  const triggers = {
    control: [sql`alter table campaigns ${sql.raw(bases.control ? "enable" : "disable")} trigger campaigns_to_sync_outbox`],
    performance: [
      sql`alter table campaign_daily_stats ${sql.raw(bases.performance ? "enable" : "disable")} trigger campaign_daily_stats_to_sync_outbox_insert`,
      sql`alter table campaign_daily_stats ${sql.raw(bases.performance ? "enable" : "disable")} trigger campaign_daily_stats_to_sync_outbox_update`,
    ],
  };
  for (const base of ["control", "performance"] as const) {
    if (bases[base]) await services.db.execute(sql`insert into settings (key, value) values (${`airtable:${base}`}, ${bases[base]!.id}) on conflict (key) do update set value = excluded.value`);
    else await services.db.execute(sql`delete from settings where key = ${`airtable:${base}`}`);
    const [state] = await services.db.execute<{ enabled: boolean }>(sql`
      select tgenabled <> 'D' as enabled from pg_trigger where tgname = ${base === "control" ? "campaigns_to_sync_outbox" : "campaign_daily_stats_to_sync_outbox_insert"}`);
    if (state?.enabled !== Boolean(bases[base])) for (const statement of triggers[base]) await services.db.execute(statement);
  }
}

/** Queues every campaign (and recent KPI days) for a full push, e.g. on first connection. */
export async function queueFullSync(services: Services, kpiDays = 30) {
  await services.db.execute(sql`
    insert into sync_outbox (base, record_key, campaign_id) select 'control', 'campaign:' || id, id from campaigns
    on conflict (base, record_key) do update set updated_at = now(), next_attempt_at = now()`);
  await services.db.execute(sql`
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
}

/** One round for each configured base: the Control base pulls first (so an ops edit is seen before anything is pushed), then pushes. */
export async function syncOnce(services: Services, only?: BaseName): Promise<SyncResult[]> {
  const bases = configuredBases(services);
  const results: SyncResult[] = [];
  for (const name of ["control", "performance"] as const) {
    const base = bases[name];
    if (!base || (only && only !== name)) continue;
    const result: SyncResult = { base: name, pushed: 0 };
    try {
      if (name === "control") result.pulled = await pullControl(services, base);
      result.pushed = name === "control" ? await pushControl(services, base) : await pushPerformance(services, base);
    } catch (error) {
      if (!(error instanceof AirtableUnavailable || error instanceof AirtableRejected)) throw error;
      result.error = error.message;
      await logSync(services.db, name, "pull", error instanceof AirtableRejected ? "error" : "warn", error.message);
      await services.db.execute(sql`insert into sync_state (base, last_error, last_error_at) values (${name}, ${error.message}, now())
                                    on conflict (base) do update set last_error = excluded.last_error, last_error_at = now(), updated_at = now()`);
    }
    results.push(result);
  }
  return results;
}
