import { sql } from "drizzle-orm";
import type { Database, Executor } from "../../../db/client";
import { ValidationFailed } from "../../errors";
import { buildLegacyIds, resolveCampaigns, type MapEntry } from "./plan";
import { reconcile, type Reconciliation } from "./reconcile";
import { checksum, inspectSource, METRICS, type Source } from "./source";
import { overflowProblems, validateRows } from "./validate";

export interface LegacyImportOptions {
  /** legacy id → existing Herald campaign name; the only way history joins a campaign Herald already has. */
  map?: MapEntry[];
  /** A column of the table, or TABLE.COLUMN of another table matched on nameKey (default "id"). */
  nameColumn?: string;
  nameKey?: string;
  idColumn?: string;
  dateColumn?: string;
  /** Do everything, report it, then roll it all back. */
  dryRun?: boolean;
}

export interface LegacyReport {
  source: string;
  dryRun: boolean;
  sourceRows: number;
  nonZeroRows: number;
  /** Rows Herald keeps: one per campaign-day with any non-zero count. */
  storedRows: number;
  campaignsCreated: number;
  campaignsMapped: number;
  metrics: string[];
  missingMetrics: string[];
  dimensionsKept: string[];
  notImported: Array<{ column: string; reason: string }>;
  reconciliation: Reconciliation;
  mismatches: number;
  /** The source table with all its indexes. */
  bytesBefore: number;
  /** Everything Herald keeps for the import: its tables and indexes, and what campaigns and runs grew by. */
  bytesAfter: number;
}

/** Thrown only to roll a dry run back; never leaves this module. */
class DryRun extends Error {
  constructor(public readonly report: LegacyReport) { super("dry run"); }
}

const HERALD_RELATIONS = ["legacy_imports", "legacy_campaign_map", "legacy_daily_stats", "legacy_global_daily", "campaigns", "campaign_runs"];
async function heraldBytes(tx: Executor): Promise<number> {
  const [r] = await tx.execute<{ b: number }>(sql`select sum(pg_total_relation_size(t::regclass))::float8 as b from unnest(array[${sql.raw(HERALD_RELATIONS.map((r) => `'${r}'`).join(", "))}]) t`);
  return Number(r!.b);
}

/**
 * Imports a dense legacy daily-stats table (one row per campaign per day,
 * mostly zeros) into Herald's legacy store (decision 016): validated first,
 * once per source, each legacy id mapped to a campaign by name or by the map
 * file, one row per non-zero campaign-day, reconciled against the source by
 * campaign name and legacy id, campaign-day, day, ISO week and month before
 * commit; any difference rolls everything back.
 */
export async function importLegacyDailyStats(db: Database, table: string, options: LegacyImportOptions = {}): Promise<LegacyReport> {
  try {
    return await db.transaction(async (tx) => {
      // One import at a time: the once-per-source check below must see the last one's commit.
      await tx.execute(sql`select pg_advisory_xact_lock(hashtext('herald:legacy-import'))`);
      const src = await inspectSource(tx, table, options);
      const [done] = await tx.execute<{ at: string }>(sql`select to_char(imported_at at time zone 'UTC', 'YYYY-MM-DD HH24:MI "UTC"') as at from legacy_imports where source_table = ${src.qualified}`);
      if (done) throw new ValidationFailed(`${src.qualified} was already imported on ${done.at}; importing it again would count its history twice.`);
      const problems = await validateRows(tx, src);
      if (problems.length) throw invalid(src.qualified, problems);
      const sum = await checksum(tx, src);
      if (!sum.rows) throw new ValidationFailed(`${src.qualified} is empty: there is nothing to import.`);
      const [same] = await tx.execute<{ source_table: string; at: string }>(sql`select source_table, to_char(imported_at at time zone 'UTC', 'YYYY-MM-DD HH24:MI "UTC"') as at from legacy_imports where checksum = ${sum.checksum}`);
      if (same) throw new ValidationFailed(`${src.qualified} holds exactly what ${same.source_table} held when it was imported on ${same.at}; importing it again would count that history twice.`);

      await buildLegacyIds(tx, src, options.nameColumn, options.nameKey);
      const planned = [...(await resolveCampaigns(tx, src, options.map ?? [])), ...(await overflowProblems(tx))];
      if (planned.length) throw invalid(src.qualified, planned);

      const bytesStart = await heraldBytes(tx);
      const [size] = await tx.execute<{ bytes: number }>(sql`select pg_total_relation_size(${src.qualified}::regclass)::float8 as bytes`);
      const written = await write(tx, src, sum);
      const rec = await reconcile(tx, src);
      if (rec.mismatches) {
        throw new ValidationFailed(`The import of ${src.qualified} did not reconcile (${rec.mismatches} differences); nothing was imported.`, {
          rows: [...rec.campaigns.filter((c) => c.differs).slice(0, 10).map((c) => `Campaign "${c.name}" (legacy id ${c.legacyId}) differs from the source.`),
            ...[...rec.campaignDays.examples, ...rec.day.examples, ...rec.week.examples, ...rec.month.examples].map((e) => `${e} differs from the source.`)],
        });
      }
      const report: LegacyReport = {
        source: src.qualified, dryRun: Boolean(options.dryRun), sourceRows: sum.rows, nonZeroRows: rec.campaignDays.compared, storedRows: written.stored,
        campaignsCreated: written.created, campaignsMapped: written.mapped, metrics: [...src.metrics], missingMetrics: [...src.missingMetrics],
        dimensionsKept: src.dimensions.map((d) => d.name), notImported: src.notImported, reconciliation: rec, mismatches: rec.mismatches,
        bytesBefore: Number(size!.bytes), bytesAfter: 0,
      };
      await tx.execute(sql`update legacy_imports set receipt = ${JSON.stringify(receipt(report))}::jsonb where id = ${written.importId}`);
      report.bytesAfter = (await heraldBytes(tx)) - bytesStart;
      if (options.dryRun) throw new DryRun(report);
      return report;
    });
  } catch (error) {
    if (error instanceof DryRun) return error.report;
    if (error instanceof ValidationFailed) throw error;
    // Anything the checks above did not foresee still ends as a sentence, never SQL or a stack; the transaction rolled back.
    const cause = (error as { cause?: { message?: string } }).cause?.message ?? (error as Error).message.split("\n")[0];
    throw new ValidationFailed(`Importing ${table} failed inside PostgreSQL (${cause}); nothing was written.`);
  }
}

function invalid(source: string, problems: string[]) {
  return new ValidationFailed(`${source} cannot be imported: ${problems.length === 1 ? "1 problem" : `${problems.length} problems`}; nothing was written.\n${problems.map((p) => `  ${p}`).join("\n")}`, { rows: problems });
}

/** What the campaign page shows: the import's period checks and the columns it kept or left out (campaigns are in the map). */
function receipt(r: LegacyReport) {
  const { campaigns, ...rest } = r.reconciliation;
  return {
    source: r.source, sourceRows: r.sourceRows, nonZeroRows: r.nonZeroRows, storedRows: r.storedRows, metrics: r.metrics, missingMetrics: r.missingMetrics,
    dimensionsKept: r.dimensionsKept, notImported: r.notImported, campaigns: { compared: campaigns.length, differing: campaigns.filter((c) => c.differs).length },
    ...rest,
  };
}

async function write(tx: Executor, src: Source, sum: { checksum: string; rows: number }) {
  const source = src.qualified;
  const [imp] = await tx.execute<{ id: number }>(sql`
    insert into legacy_imports (source_table, checksum, source_rows, receipt) values (${source}, ${sum.checksum}, ${sum.rows}, '{}') returning id`);
  const m = (prefix: string) => sql.raw(METRICS.map((x) => `${prefix}${x}`).join(", "));
  // Campaigns for legacy ids nobody mapped, then each new campaign found back by its (unique) name.
  const created = await tx.execute(sql`
    with ins as (
      insert into campaigns (name, kind, status, from_email, status_source, last_run_result)
      select name, 'broadcast', 'completed', 'legacy@herald.invalid', 'job', 'Legacy history imported from ' || ${source}
      from legacy_ids where campaign_id is null order by legacy_id
      returning id, name)
    update legacy_ids l set campaign_id = ins.id from ins where lower(ins.name) = lower(l.name) and l.campaign_id is null returning 1`);
  // One completed run per legacy id holds its history (several ids may be mapped to one campaign).
  await tx.execute(sql`
    update legacy_ids l set run_number = n.run_number
    from (select l2.legacy_id, c.lifetime_runs + row_number() over (partition by l2.campaign_id order by l2.legacy_id) as run_number
          from legacy_ids l2 join campaigns c on c.id = l2.campaign_id) n
    where n.legacy_id = l.legacy_id`);
  await tx.execute(sql`
    with runs as (
      insert into campaign_runs (campaign_id, run_number, status, audience, started_at, completed_at, ${m("")})
      select campaign_id, run_number, 'COMPLETED', 'everyone', first_day::timestamp at time zone 'UTC', (last_day + 1)::timestamp at time zone 'UTC', ${m("")}
      from legacy_ids returning campaign_id, id, run_number)
    update legacy_ids l set run_id = runs.id from runs where runs.campaign_id = l.campaign_id and runs.run_number = l.run_number`);
  await tx.execute(sql`
    with ins as (
      insert into legacy_campaign_map (import_id, source_table, legacy_id, campaign_id, run_id, name, source_totals, dimensions)
      select ${imp!.id}, ${source}, legacy_id, campaign_id, run_id, name, array[${m("")}]::bigint[], dimensions from legacy_ids
      returning id, legacy_id)
    update legacy_ids l set series_id = ins.id from ins where ins.legacy_id = l.legacy_id`);
  await tx.execute(sql`create temporary table legacy_global_before on commit drop as select * from legacy_global_daily`);
  return { importId: imp!.id, created: created.length, ...(await storeDays(tx, src)) };
}

/** One row per non-zero campaign-day, in key order; the per-day rollup; the runs' campaigns' lifetime counters. */
async function storeDays(tx: Executor, src: Source) {
  const m = sql.raw(METRICS.join(", "));
  const [stored] = await tx.execute<{ n: number }>(sql`
    with ins as (
      insert into legacy_daily_stats (series_id, day, ${m})
      select l.series_id, ${src.day}, ${sql.join(METRICS.map((x) => src.metric(x)), sql`, `)}
      from ${src.ref} s join legacy_ids l on l.legacy_id = ${src.legacyId}
      where ${sql.join(METRICS.map((x) => sql`${src.metric(x)} <> 0`), sql` or `)}
      order by 1, 2
      returning 1)
    select count(*)::int as n from ins`);
  await tx.execute(sql`
    insert into legacy_global_daily (day, ${m})
    select d.day, ${sql.raw(METRICS.map((x) => `sum(d.${x})`).join(", "))} from legacy_daily_stats d where d.series_id in (select series_id from legacy_ids) group by 1
    on conflict (day) do update set ${sql.raw(METRICS.map((x) => `${x} = legacy_global_daily.${x} + excluded.${x}`).join(", "))}`);
  const [mapped] = await tx.execute<{ n: number }>(sql`select count(distinct campaign_id)::int as n from legacy_ids where mapped`);
  await tx.execute(sql`
    update campaigns c set ${sql.raw(METRICS.map((x) => `${x} = c.${x} + t.${x}`).join(", "))}, lifetime_runs = c.lifetime_runs + t.runs,
      current_run_id = coalesce(c.current_run_id, t.last_run), last_run_at = coalesce(c.last_run_at, t.last_day), updated_at = now()
    from (select campaign_id, count(*)::int as runs, max(run_id) as last_run, (max(last_day) + 1)::timestamp at time zone 'UTC' as last_day,
                 ${sql.raw(METRICS.map((x) => `sum(${x})::int as ${x}`).join(", "))} from legacy_ids group by 1) t
    where c.id = t.campaign_id`);
  return { stored: stored!.n, mapped: mapped!.n };
}
