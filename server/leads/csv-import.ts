import { Readable } from "node:stream";
import { parse } from "csv-parse";
import { sql } from "drizzle-orm";
import type { Database } from "../../db/client";
import { ValidationFailed } from "../errors";
import { listByName } from "./lists";
import { isValidTimeZone } from "./timezones";

export interface RejectedRow {
  line: number;
  reason: string;
}

export interface ImportReport {
  list: { id: number; name: string } | null;
  rows: number;
  created: number;
  updated: number;
  duplicates: number;
  addedToList: number;
  rejected: RejectedRow[];
  rejectedCount: number;
}

type Field = "email" | "first_name" | "last_name" | "company" | "time_zone";
const HEADER_ALIASES: Record<string, Field> = {
  email: "email", emailaddress: "email", mail: "email",
  firstname: "first_name", first: "first_name", givenname: "first_name",
  lastname: "last_name", last: "last_name", surname: "last_name", familyname: "last_name",
  company: "company", companyname: "company", organization: "company", organisation: "company",
  timezone: "time_zone", tz: "time_zone",
};
const EMAIL = /^[^\s@<>(),;:"]+@[^\s@<>(),;:"]+\.[^\s@<>(),;:"]{2,}$/;
const BATCH = 2000;
const MAX_REPORTED = 1000;

interface LeadRow {
  email: string;
  first_name: string | null;
  last_name: string | null;
  company: string | null;
  time_zone: string | null;
  attributes: Record<string, string>;
}

const normalizeHeader = (h: string) => h.toLowerCase().replace(/[^a-z0-9]/g, "");
const attributeKey = (h: string) => h.trim().toLowerCase().replace(/[^a-z0-9]+/g, "_").replace(/^_|_$/g, "");

/**
 * Imports leads from CSV in one streaming pass: headers are mapped
 * (Email / E-mail address / First name / Time zone …; other columns become
 * attributes), emails are deduplicated case-insensitively, each invalid row is
 * reported with its line number and reason, and valid rows are upserted in
 * batches and added to the list.
 */
export async function importLeadsCsv(db: Database, input: Readable | string, options: { listName?: string } = {}): Promise<ImportReport> {
  const list = options.listName ? await listByName(db, options.listName) : null;
  const report: ImportReport = { list: list && { id: list.id, name: list.name }, rows: 0, created: 0, updated: 0, duplicates: 0, addedToList: 0, rejected: [], rejectedCount: 0 };
  const reject = (line: number, reason: string) => {
    report.rejectedCount++;
    if (report.rejected.length < MAX_REPORTED) report.rejected.push({ line, reason });
  };

  const parser = (typeof input === "string" ? Readable.from([input]) : input).pipe(
    parse({ bom: true, relax_column_count: true, skip_empty_lines: true, trim: true, info: true, skip_records_with_error: true }),
  );
  parser.on("skip", (error: Error & { lines?: number }) => reject(error.lines ?? 0, `could not read this line as CSV (${error.message.replace(/^Invalid Record Length: /, "")})`));

  let columns: Array<{ field: Field | null; attribute: string }> | null = null;
  const seen = new Set<string>();
  let batch: LeadRow[] = [];

  for await (const { record, info } of parser as AsyncIterable<{ record: string[]; info: { lines: number } }>) {
    if (!columns) {
      columns = record.map((h) => ({ field: HEADER_ALIASES[normalizeHeader(h)] ?? null, attribute: attributeKey(h) }));
      if (!columns.some((c) => c.field === "email")) {
        throw new ValidationFailed(`The file has no email column (found: ${record.join(", ") || "nothing"}). Name one column "email".`);
      }
      continue;
    }
    report.rows++;
    const row: LeadRow = { email: "", first_name: null, last_name: null, company: null, time_zone: null, attributes: {} };
    columns.forEach((c, i) => {
      const value = record[i]?.trim() ?? "";
      if (c.field) {
        if (value) row[c.field] = value;
      } else if (value && c.attribute) {
        row.attributes[c.attribute] = value;
      }
    });
    const email = row.email.toLowerCase();
    if (!email) {
      reject(info.lines, "no email address");
      continue;
    }
    if (email.length > 254 || !EMAIL.test(email)) {
      reject(info.lines, `"${row.email.slice(0, 80)}" is not a valid email address`);
      continue;
    }
    if (row.time_zone && !isValidTimeZone(row.time_zone)) {
      reject(info.lines, `"${row.time_zone.slice(0, 60)}" is not a time zone (use a name like Europe/Berlin)`);
      continue;
    }
    if (seen.has(email)) {
      report.duplicates++;
      continue;
    }
    seen.add(email);
    batch.push(row);
    if (batch.length >= BATCH) {
      await upsertBatch(db, batch, list?.id ?? null, report);
      batch = [];
    }
  }
  if (!columns) throw new ValidationFailed("The file is empty: it needs a header row with an email column and one row per lead.");
  if (batch.length) await upsertBatch(db, batch, list?.id ?? null, report);
  return report;
}

async function upsertBatch(db: Database, rows: LeadRow[], listId: number | null, report: ImportReport) {
  const [result] = await db.execute<{ created: number; updated: number; added: number }>(sql`
    with input as (
      select * from jsonb_to_recordset(${JSON.stringify(rows)}::jsonb)
        as t(email text, first_name text, last_name text, company text, time_zone text, attributes jsonb)
    ), upserted as (
      insert into leads (email, first_name, last_name, company, time_zone, attributes)
      select email, first_name, last_name, company, time_zone, coalesce(attributes, '{}'::jsonb) from input
      on conflict ((lower(email))) do update set
        first_name = coalesce(excluded.first_name, leads.first_name),
        last_name = coalesce(excluded.last_name, leads.last_name),
        company = coalesce(excluded.company, leads.company),
        time_zone = coalesce(excluded.time_zone, leads.time_zone),
        attributes = leads.attributes || excluded.attributes,
        updated_at = now()
      returning id, (xmax = 0) as created
    ), members as (
      insert into list_members (list_id, lead_id)
      select ${listId}::bigint, id from upserted where ${listId}::bigint is not null
      on conflict do nothing
      returning 1
    )
    select count(*) filter (where created)::int as created,
           count(*) filter (where not created)::int as updated,
           (select count(*) from members)::int as added
    from upserted`);
  report.created += result!.created;
  report.updated += result!.updated;
  report.addedToList += result!.added;
}
