import { parse } from "csv-parse/sync";
import { sql } from "drizzle-orm";
import type { Executor } from "../../../db/client";
import { ValidationFailed } from "../../errors";
import { METRICS, quoteIdent, resolveTable, type Source } from "./source";

export interface MapEntry { legacyId: string; campaign: string; line: number }

/** `--map FILE`: CSV lines of legacy id, Herald campaign name (a "legacy_id,campaign" header is allowed). */
export function parseMapFile(text: string): MapEntry[] {
  let rows: string[][];
  try {
    rows = parse(text, { relax_column_count: true, skip_empty_lines: true, trim: true, bom: true });
  } catch (error) {
    throw new ValidationFailed(`The map file is not CSV: ${(error as Error).message}`);
  }
  const entries: MapEntry[] = [];
  rows.forEach((r, i) => {
    if (i === 0 && /^legacy[ _]?id$/i.test(r[0] ?? "")) return;
    if (r.length !== 2 || !r[0] || !r[1]) throw new ValidationFailed(`Line ${i + 1} of the map file must be: legacy id, campaign name.`);
    entries.push({ legacyId: r[0], campaign: r[1], line: i + 1 });
  });
  return entries;
}

/**
 * One row per legacy id with its totals, first and last day, dimensions and
 * name, in a temporary table: everything the import decides is decided here,
 * before anything is written.
 */
export async function buildLegacyIds(tx: Executor, src: Source, nameColumn?: string, nameKey?: string) {
  const local = nameColumn && !nameColumn.includes(".") ? nameColumn : null;
  const dims = src.dimensions.map((d) => sql`${d.name}::text, coalesce(jsonb_agg(distinct s.${sql.raw(quoteIdent(d.name))}) filter (where s.${sql.raw(quoteIdent(d.name))} is not null), '[]')`);
  await tx.execute(sql`
    create temporary table legacy_ids on commit drop as
    select ${src.legacyId} as legacy_id, min(${src.day}) as first_day, max(${src.day}) as last_day, count(*)::int as rows,
      ${sql.join(METRICS.map((m) => sql`coalesce(sum(${src.metric(m)}), 0)::bigint as ${sql.raw(m)}`), sql`, `)},
      ${dims.length ? sql`jsonb_build_object(${sql.join(dims, sql`, `)})` : sql`'{}'::jsonb`} as dimensions,
      ${local ? sql`(array_agg(s.${sql.raw(quoteIdent(local))}::text order by ${src.day} desc) filter (where nullif(trim(s.${sql.raw(quoteIdent(local))}::text), '') is not null))[1]` : sql`null::text`} as name,
      null::bigint as campaign_id, false as mapped, null::int as run_number, null::bigint as run_id, null::int as series_id
    from ${src.ref} s where ${sql.raw(`s.${quoteIdent(src.idColumn)}`)} is not null and ${sql.raw(`s.${quoteIdent(src.dateColumn)}`)} is not null
    group by 1`);
  await tx.execute(sql`alter table legacy_ids add primary key (legacy_id)`);
  if (nameColumn && !local) await joinNames(tx, nameColumn, nameKey);
  await tx.execute(sql`update legacy_ids set name = coalesce(nullif(trim(name), ''), 'Legacy ' || legacy_id)`);
}

/** `--name-column TABLE.COLUMN`: names from another table, matched on its id column (or --name-key) as text. */
async function joinNames(tx: Executor, spec: string, key = "id") {
  const dot = spec.lastIndexOf(".");
  const { oid, qualified } = await resolveTable(tx, spec.slice(0, dot));
  const column = spec.slice(dot + 1);
  const [has] = await tx.execute<{ n: number }>(sql`select count(*)::int as n from pg_attribute where attrelid = ${oid}::oid and attname in (${column}, ${key}) and not attisdropped`);
  if (has!.n < 2) throw new ValidationFailed(`${qualified} needs the columns "${key}" and "${column}" to name legacy campaigns (given as --name-column ${spec}).`);
  await tx.execute(sql`
    update legacy_ids l set name = n.${sql.raw(quoteIdent(column))}::text
    from ${sql.raw(qualified)} n where n.${sql.raw(quoteIdent(key))}::text = l.legacy_id`);
}

/**
 * Decides each legacy id's Herald campaign: one named in the map file, else a
 * new one of the legacy name. Never by a coincidence of numbers; a name that
 * an existing campaign already has is a problem, not a merge.
 */
export async function resolveCampaigns(tx: Executor, src: Source, map: MapEntry[]): Promise<string[]> {
  const problems: string[] = [];
  const seen = new Map<string, number>();
  for (const e of map) {
    if (seen.has(e.legacyId)) problems.push(`Line ${e.line} of the map: legacy id ${e.legacyId} is already mapped on line ${seen.get(e.legacyId)}.`);
    else seen.set(e.legacyId, e.line);
  }
  if (map.length) {
    const rows = await tx.execute<{ line: number; legacy_id: string; campaign: string; known: boolean; campaign_id: number | null }>(sql`
      with m as (select * from jsonb_to_recordset(${JSON.stringify(map)}::jsonb) as x("legacyId" text, campaign text, line int))
      select m.line, m."legacyId" as legacy_id, m.campaign, exists (select 1 from legacy_ids l where l.legacy_id = m."legacyId") as known,
             (select c.id from campaigns c where lower(c.name) = lower(trim(m.campaign))) as campaign_id
      from m order by m.line`);
    for (const r of rows) {
      if (!r.known) problems.push(`Line ${r.line} of the map: legacy id ${r.legacy_id} is not in ${src.qualified}.`);
      if (r.campaign_id == null) problems.push(`Line ${r.line} of the map: no Herald campaign is named "${r.campaign}".`);
    }
    await tx.execute(sql`
      update legacy_ids l set campaign_id = c.id, name = c.name, mapped = true
      from jsonb_to_recordset(${JSON.stringify(map)}::jsonb) as m("legacyId" text, campaign text), campaigns c
      where l.legacy_id = m."legacyId" and lower(c.name) = lower(trim(m.campaign))`);
  }
  const clashes = await tx.execute<{ legacy_id: string; name: string; other: string | null }>(sql`
    select l.legacy_id, l.name, (select string_agg(o.legacy_id, ', ') from legacy_ids o where not o.mapped and o.legacy_id <> l.legacy_id and lower(o.name) = lower(l.name)) as other
    from legacy_ids l
    where not l.mapped and (exists (select 1 from campaigns c where lower(c.name) = lower(l.name))
      or exists (select 1 from legacy_ids o where not o.mapped and o.legacy_id <> l.legacy_id and lower(o.name) = lower(l.name)))
    order by 2, 1 limit 20`);
  for (const c of clashes) {
    problems.push(c.other
      ? `Legacy id ${c.legacy_id} is named "${c.name}", like legacy id ${c.other}: each campaign needs its own name (fix the names, or map them with --map).`
      : `Legacy id ${c.legacy_id} would be named "${c.name}", which an existing Herald campaign already has: map it to that campaign with --map if it is the same one, or rename it.`);
  }
  const long = await tx.execute<{ legacy_id: string }>(sql`select legacy_id from legacy_ids where length(name) > 200 order by 1 limit 5`);
  for (const l of long) problems.push(`Legacy id ${l.legacy_id}: its name is longer than the 200 characters a campaign name may have.`);
  return problems;
}
