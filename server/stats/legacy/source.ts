import { sql, type SQL } from "drizzle-orm";
import type { Executor } from "../../../db/client";
import { ValidationFailed } from "../../errors";

/** The counts a legacy table may carry, in the order Herald stores them (legacy_campaign_map.source_totals too). */
export const METRICS = ["sent", "opened", "replied", "positive_replies", "bounced", "clicked"] as const;
export type Metric = (typeof METRICS)[number];

const ID_TYPES = ["text", "character varying", "character", "uuid", "smallint", "integer", "bigint", "numeric"];
const DATE_TYPES = ["date", "timestamp without time zone", "timestamp with time zone"];
const COUNT_TYPES = ["smallint", "integer", "bigint", "numeric"];
/** Columns that describe the row rather than the campaign's day: named in the report, not imported. */
const BOOKKEEPING = ["id", "created_at", "updated_at", "inserted_at"];

export type Column = { name: string; type: string };

export interface Source {
  /** Schema-qualified and quoted, from the catalog: every spelling of one table resolves to this. */
  qualified: string;
  ref: SQL;
  idColumn: string;
  dateColumn: string;
  /** Metrics the table has; those it lacks count as zero and are named in the report. */
  metrics: Metric[];
  missingMetrics: Metric[];
  /** Dimension columns kept per campaign (their distinct values), and columns not imported with why. */
  dimensions: Column[];
  notImported: Array<{ column: string; reason: string }>;
  /** Columns that identify a row to the user in problem reports (the primary key, else id and date). */
  labelColumns: string[];
  /** Problems with the table's shape (unsupported types), reported with the row problems. */
  problems: string[];
  /** The text of a legacy id / the day, as SQL over alias "s". */
  legacyId: SQL;
  day: SQL;
  metric(m: Metric): SQL;
}

export const quoteIdent = (name: string) => `"${name.replace(/"/g, '""')}"`;
const IDENT = /^("[^"]+"|[A-Za-z_][A-Za-z0-9_$]*)(\.("[^"]+"|[A-Za-z_][A-Za-z0-9_$]*)){0,1}$/;

/** Resolves a table name as PostgreSQL would (search path, case folding, quotes) to its one qualified name. */
export async function resolveTable(db: Executor, table: string): Promise<{ oid: number; qualified: string }> {
  if (!IDENT.test(table.trim())) throw new ValidationFailed(`"${table}" is not a table name.`);
  const [row] = await db.execute<{ oid: number | null; qualified: string | null; kind: string | null }>(sql`
    select c.oid::int as oid, format('%I.%I', n.nspname, c.relname) as qualified, c.relkind::text as kind
    from pg_class c join pg_namespace n on n.oid = c.relnamespace where c.oid = to_regclass(${table.trim()})`);
  if (!row?.oid) throw new ValidationFailed(`There is no table "${table}" in this database.`);
  if (!["r", "p", "v", "m"].includes(row.kind!)) throw new ValidationFailed(`"${table}" is not a table or view.`);
  return { oid: row.oid, qualified: row.qualified! };
}

/** Reads the table's columns and decides what each one becomes. */
export async function inspectSource(db: Executor, table: string, opts: { idColumn?: string; dateColumn?: string; nameColumn?: string } = {}): Promise<Source> {
  const { oid, qualified } = await resolveTable(db, table);
  const columns = await db.execute<Column>(sql`
    select attname as name, format_type(atttypid, null) as type from pg_attribute
    where attrelid = ${oid}::oid and attnum > 0 and not attisdropped order by attnum`);
  const pk = (await db.execute<{ name: string }>(sql`
    select a.attname as name from pg_index i join pg_attribute a on a.attrelid = i.indrelid and a.attnum = any(i.indkey)
    where i.indrelid = ${oid}::oid and i.indisprimary order by array_position(i.indkey::int2[], a.attnum)`)).map((r) => r.name);
  const find = (name: string) => columns.find((c) => c.name === name);
  const idColumn = opts.idColumn ?? "campaign_id";
  const dateColumn = opts.dateColumn ?? "stat_date";
  const problems: string[] = [];
  const id = find(idColumn);
  const date = find(dateColumn);
  if (!id) throw new ValidationFailed(`${qualified} has no column "${idColumn}" for the legacy campaign id (choose another with --id-column).`);
  if (!date) throw new ValidationFailed(`${qualified} has no column "${dateColumn}" for the day (choose another with --date-column).`);
  if (!ID_TYPES.includes(id.type)) problems.push(`Column ${idColumn} is ${id.type}: a legacy campaign id must be text, a UUID or an integer.`);
  if (!DATE_TYPES.includes(date.type)) problems.push(`Column ${dateColumn} is ${date.type}: the day must be a date or a timestamp.`);
  const metrics = METRICS.filter((m) => find(m));
  if (!metrics.length) throw new ValidationFailed(`${qualified} has none of the count columns ${METRICS.join(", ")}.`);
  for (const m of metrics) {
    const type = find(m)!.type;
    if (!COUNT_TYPES.includes(type)) problems.push(`Column ${m} is ${type}: counts must be whole numbers (smallint, integer, bigint or numeric).`);
  }
  const nameColumn = opts.nameColumn && !opts.nameColumn.includes(".") ? opts.nameColumn : null;
  if (nameColumn && !find(nameColumn)) throw new ValidationFailed(`${qualified} has no column "${nameColumn}" (given as --name-column).`);
  const used = new Set<string>([idColumn, dateColumn, ...metrics, ...(nameColumn ? [nameColumn] : [])]);
  const dimensions: Column[] = [];
  const notImported: Source["notImported"] = [];
  for (const c of columns) {
    if (used.has(c.name)) continue;
    if (BOOKKEEPING.includes(c.name)) notImported.push({ column: c.name, reason: `${c.type}: row bookkeeping of the legacy table, not a statistic` });
    else if (["smallint", "integer", "bigint", "text", "character varying", "uuid"].includes(c.type)) dimensions.push(c);
    else notImported.push({ column: c.name, reason: `${c.type}: not a count or an id Herald knows how to keep` });
  }
  const ts = date.type === "timestamp with time zone" ? `(s.${quoteIdent(dateColumn)} at time zone 'UTC')::date` : `s.${quoteIdent(dateColumn)}::date`;
  return {
    qualified, ref: sql.raw(qualified), idColumn, dateColumn, metrics, missingMetrics: METRICS.filter((m) => !find(m)), dimensions, notImported,
    labelColumns: pk.length ? pk : [idColumn, dateColumn], problems,
    legacyId: sql.raw(`s.${quoteIdent(idColumn)}::text`), day: sql.raw(ts),
    metric: (m) => (metrics.includes(m) ? sql.raw(`s.${quoteIdent(m)}`) : sql.raw("0")),
  };
}

/** How a row is named to the user: its primary key, else its legacy id and day. */
export function rowLabel(src: Source): SQL {
  return sql.raw(`concat_ws(', ', ${src.labelColumns.map((c) => `'${c.replace(/'/g, "''")}=' || coalesce(s.${quoteIdent(c)}::text, 'NULL')`).join(", ")})`);
}

/** Content checksum, independent of row order: a copy of the table under another name is the same source. */
export async function checksum(db: Executor, src: Source): Promise<{ checksum: string; rows: number }> {
  const [r] = await db.execute<{ rows: number; sum: string | null }>(sql`
    select count(*)::float8 as rows, sum(hashtextextended(s::text, 0)::numeric)::text as sum from ${src.ref} s`);
  return { rows: Number(r!.rows), checksum: `${r!.rows}:${r!.sum ?? 0}` };
}
