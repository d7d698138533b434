import { sql, type SQL } from "drizzle-orm";
import type { Executor } from "../../../db/client";
import { METRICS, quoteIdent, rowLabel, type Source } from "./source";

const INT_MAX = 2_147_483_647;
const EXAMPLES = 5;
const n = new Intl.NumberFormat("en-US");

/**
 * Every problem with the rows, each with its row and a sentence, found before
 * anything is written: NULL ids or days, NULL, negative, fractional or too
 * large counts, duplicate (id, day) rows. A few examples per kind, then how
 * many more.
 */
export async function validateRows(db: Executor, src: Source): Promise<string[]> {
  if (src.problems.length) return src.problems; // wrong types: the value checks below would not even parse
  const id = sql.raw(`s.${quoteIdent(src.idColumn)}`);
  const day = sql.raw(`s.${quoteIdent(src.dateColumn)}`);
  const checks: Array<{ cond: SQL; say: string }> = [
    { cond: sql`${id} is null`, say: `${src.idColumn} is NULL; every row needs a legacy campaign id` },
    { cond: sql`${day} is null`, say: `${src.dateColumn} is NULL; every row needs a day` },
  ];
  for (const m of src.metrics) {
    const c = src.metric(m);
    checks.push({ cond: sql`${c} is null`, say: `${m} is NULL; a count must be a number (0 when nothing happened)` });
    checks.push({ cond: sql`${c} < 0`, say: `${m} is negative; counts cannot be below 0` });
    checks.push({ cond: sql`${c} > ${INT_MAX}`, say: `${m} is larger than a daily count can be (${n.format(INT_MAX)})` });
    checks.push({ cond: sql`${c} <> trunc(${c})`, say: `${m} is not a whole number` });
  }
  const [counts] = await db.execute<Record<string, number>>(sql`
    select ${sql.join(checks.map((c, i) => sql`count(*) filter (where ${c.cond})::int as ${sql.raw(`c${i}`)}`), sql`, `)} from ${src.ref} s`);
  const problems: string[] = [];
  for (const [i, check] of checks.entries()) {
    const total = Number(counts![`c${i}`]);
    if (!total) continue;
    const rows = await db.execute<{ label: string; value: string | null }>(sql`
      select ${rowLabel(src)} as label from ${src.ref} s where ${check.cond} order by ${rowLabel(src)} limit ${EXAMPLES}`);
    for (const r of rows) problems.push(`Row ${r.label}: ${check.say}.`);
    if (total > rows.length) problems.push(`…and ${n.format(total - rows.length)} more rows where ${check.say}.`);
  }
  const dups = await db.execute<{ id: string; day: string; rows: number; groups: number }>(sql`
    with d as (select ${src.legacyId} as id, ${src.day} as day, count(*)::int as rows from ${src.ref} s
               where ${id} is not null and ${day} is not null group by 1, 2 having count(*) > 1)
    select id, day::text, rows, (count(*) over ())::int as groups from d order by id, day limit ${EXAMPLES}`);
  for (const d of dups) problems.push(`Rows ${src.idColumn}=${d.id}, ${src.dateColumn}=${d.day}: ${d.rows} rows for one campaign and day; which one is true is for you to decide.`);
  if (dups.length && dups[0]!.groups > dups.length) problems.push(`…and ${n.format(dups[0]!.groups - dups.length)} more campaign-days with duplicate rows.`);
  return problems;
}

/** Per-campaign totals (in legacy_ids) that a campaign's counters could not hold, alone or added to an existing campaign's. */
export async function overflowProblems(db: Executor): Promise<string[]> {
  const rows = await db.execute<{ legacy_id: string; metric: string; total: string; existing: string }>(sql`
    select l.legacy_id, m.metric, m.total::text, coalesce(m.existing, 0)::text as existing
    from legacy_ids l left join campaigns c on c.id = l.campaign_id
    cross join lateral (values ${sql.join(METRICS.map((m) => sql`(${m}, l.${sql.raw(m)}, c.${sql.raw(m)}::bigint)`), sql`, `)}) m(metric, total, existing)
    where m.total + coalesce(m.existing, 0) > ${INT_MAX}
    order by 1, 2 limit 20`);
  return rows.map((r) => Number(r.existing)
    ? `Legacy id ${r.legacy_id}: ${r.metric} totals ${n.format(Number(r.total))}, which with the ${n.format(Number(r.existing))} its Herald campaign already has exceeds what a counter holds (${n.format(INT_MAX)}).`
    : `Legacy id ${r.legacy_id}: ${r.metric} totals ${n.format(Number(r.total))}, more than a campaign's counter holds (${n.format(INT_MAX)}).`);
}
