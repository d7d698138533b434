import { Readable } from "node:stream";
import { eq, sql } from "drizzle-orm";
import type { Database, Executor } from "../../db/client";
import { leadImports } from "../../db/schema";
import { NotFound, ValidationFailed } from "../errors";
import { csvRecords } from "./csv-records";
import { listByName } from "./lists";
import { normalisePhone } from "../sms/phone";
import { isValidTimeZone } from "./timezones";

export interface RejectedRow {
  line: number;
  reason: string;
}

export interface ImportReport {
  /** The stored report: its rejected lines download from /leads/imports/:id/rejected.csv. */
  importId: number | null;
  list: { id: number; name: string } | null;
  rows: number;
  created: number;
  updated: number;
  unchanged: number;
  duplicates: number;
  addedToList: number;
  /** Rows kept with a default instead of a bad optional value (a time zone nobody knows). */
  warnings: RejectedRow[];
  warningCount: number;
  /** Addresses in the file that are suppressed: imported, but never mailed. */
  suppressed: Array<{ line: number; email: string }>;
  suppressedCount: number;
  rejected: RejectedRow[];
  rejectedCount: number;
}

type Field = "email" | "first_name" | "last_name" | "company" | "time_zone" | "phone";
const HEADER_ALIASES: Record<string, Field> = {
  email: "email", emailaddress: "email", mail: "email",
  firstname: "first_name", first: "first_name", givenname: "first_name",
  lastname: "last_name", last: "last_name", surname: "last_name", familyname: "last_name",
  company: "company", companyname: "company", organization: "company", organisation: "company",
  timezone: "time_zone", tz: "time_zone",
  phone: "phone", phonenumber: "phone", mobile: "phone", mobilephone: "phone", mobilenumber: "phone", cell: "phone", cellphone: "phone", tel: "phone", telephone: "phone", sms: "phone",
};
const EMAIL = /^[^\s@<>(),;:"]+@[^\s@<>(),;:"]+\.[^\s@<>(),;:"]{2,}$/;
const BATCH = 2000;
const MAX_REPORTED = 1000;
const MAX_KEPT = 50_000;
type StoredRejection = { line: number; reason: string; fields: string[] | null; raw: string };

interface LeadRow {
  email: string;
  first_name: string | null;
  last_name: string | null;
  company: string | null;
  time_zone: string | null;
  /** E.164, validated (a bad number rejects the line, like a bad email). */
  phone: string | null;
  /** Guessed from the number's country, for SMS quiet hours when the lead has no time zone. */
  phone_time_zone: string | null;
  attributes: Record<string, string>;
  line: number;
}

const normalizeHeader = (h: string) => h.toLowerCase().replace(/[^a-z0-9]/g, "");
const attributeKey = (h: string) => h.trim().toLowerCase().replace(/[^a-z0-9]+/g, "_").replace(/^_|_$/g, "");

/**
 * Imports leads from CSV in one streaming pass, accounting for every data row
 * of the file: rows = created + updated + unchanged + duplicates + rejected.
 * Headers are mapped (Email / E-mail address / First name / Time zone …;
 * other columns become attributes), emails are deduplicated
 * case-insensitively, each rejected row is reported with its own line number
 * and a reason in plain words (a malformed line never swallows the ones after
 * it: csv-records.ts), valid rows are upserted in batches and added to the
 * list. The report and the rejected lines are kept for download.
 */
export async function importLeadsCsv(db: Database, input: Readable | string, options: { listName?: string; overwrite?: boolean; phoneCountry?: string } = {}): Promise<ImportReport> {
  const list = options.listName ? await listByName(db, options.listName) : null;
  const overwrite = options.overwrite ?? false;
  const report: ImportReport = { importId: null, list: list && { id: list.id, name: list.name }, rows: 0, created: 0, updated: 0, unchanged: 0, duplicates: 0, addedToList: 0, warnings: [], warningCount: 0, suppressed: [], suppressedCount: 0, rejected: [], rejectedCount: 0 };
  const kept: StoredRejection[] = [];
  const reject = (line: number, reason: string, fields: string[] | null, raw: string) => {
    report.rejectedCount++;
    if (report.rejected.length < MAX_REPORTED) report.rejected.push({ line, reason });
    if (kept.length < MAX_KEPT) kept.push({ line, reason, fields, raw: raw.slice(0, 10_000) });
  };

  let header: string[] | null = null;
  let columns: Array<{ field: Field | null; attribute: string }> | null = null;
  const seen = new Set<string>();
  let batch: LeadRow[] = [];
  const emailIndex = () => columns?.findIndex((c) => c.field === "email") ?? -1;
  const records = csvRecords(input, {
    maxColumns: () => header?.length ?? null,
    // A quoted value may hold line breaks, but never the email.
    multiLineOk: (fields) => !(fields[emailIndex()] ?? "").includes("\n"),
  });

  for await (const rec of records) {
    if (!columns) {
      if (!rec.ok) throw new ValidationFailed(`The header row (line ${rec.line}) cannot be read: ${rec.reason}.`);
      header = rec.fields;
      columns = rec.fields.map((h) => ({ field: HEADER_ALIASES[normalizeHeader(h)] ?? null, attribute: attributeKey(h) }));
      if (!columns.some((c) => c.field === "email")) {
        throw new ValidationFailed(`The file has no email column (found: ${rec.fields.join(", ") || "nothing"}). Name one column "email".`);
      }
      continue;
    }
    report.rows++;
    if (!rec.ok) {
      reject(rec.line, `could not read this line: ${rec.reason}`, null, rec.raw);
      continue;
    }
    const row: LeadRow = { email: "", first_name: null, last_name: null, company: null, time_zone: null, phone: null, phone_time_zone: null, attributes: {}, line: rec.line };
    columns.forEach((c, i) => {
      const value = rec.fields[i]?.trim() ?? "";
      if (c.field) {
        if (value) row[c.field] = value;
      } else if (value && c.attribute) {
        row.attributes[c.attribute] = value;
      }
    });
    const email = row.email.toLowerCase();
    if (!email) {
      reject(rec.line, "no email address", rec.fields, rec.raw);
      continue;
    }
    if (email.length > 254 || !EMAIL.test(email)) {
      reject(rec.line, `"${row.email.slice(0, 80)}" is not a valid email address`, rec.fields, rec.raw);
      continue;
    }
    if (row.phone) {
      const phone = normalisePhone(row.phone, options.phoneCountry ?? process.env.SMS_DEFAULT_COUNTRY);
      if (!phone.ok) {
        reject(rec.line, `the phone number ${phone.reason}`, rec.fields, rec.raw);
        continue;
      }
      row.phone = phone.e164;
      row.phone_time_zone = phone.timeZone;
    }
    if (row.time_zone && !isValidTimeZone(row.time_zone)) {
      // An optional field: the row is kept and the campaign's time zone applies, said as a warning.
      report.warningCount++;
      if (report.warnings.length < MAX_REPORTED) report.warnings.push({ line: rec.line, reason: `"${row.time_zone.slice(0, 60)}" is not a time zone (use a name like Europe/Berlin): imported without one, so the campaign's time zone applies` });
      row.time_zone = null;
    }
    if (seen.has(email)) {
      report.duplicates++;
      continue;
    }
    seen.add(email);
    batch.push(row);
    if (batch.length >= BATCH) {
      await upsertBatch(db, batch, list?.id ?? null, report, overwrite);
      batch = [];
    }
  }
  if (!columns) throw new ValidationFailed("The file is empty: it needs a header row with an email column and one row per lead.");
  if (batch.length) await upsertBatch(db, batch, list?.id ?? null, report, overwrite);
  const [saved] = await db.insert(leadImports).values({
    listName: list?.name ?? null, header: header ?? [], rows: report.rows, created: report.created, updated: report.updated, unchanged: report.unchanged,
    duplicates: report.duplicates, rejectedCount: report.rejectedCount, rejected: kept,
  }).returning({ id: leadImports.id });
  report.importId = saved!.id;
  return report;
}

/** Formula-safe: a cell starting with = + - @ (or a tab or return) would run in a spreadsheet. */
const csvCell = (v: string) => {
  const safe = /^[=+\-@\t\r]/.test(v) ? `'${v}` : v;
  return /[",\n\r]/.test(safe) ? `"${safe.replace(/"/g, '""')}"` : safe;
};

/**
 * The rejected lines of an import as a CSV to fix and import again: the
 * file's own columns, then the line number and the reason. A line that could
 * not be read at all is given whole in the first column.
 */
export async function rejectedLinesCsv(db: Executor, importId: number): Promise<{ filename: string; csv: string }> {
  const [imp] = await db.select().from(leadImports).where(eq(leadImports.id, importId));
  if (!imp) throw new NotFound("That import does not exist.");
  const width = Math.max(1, imp.header.length);
  const pad = (fields: string[]) => [...fields.slice(0, width), ...Array<string>(Math.max(0, width - fields.length)).fill("")];
  const lines = [[...pad(imp.header), "rejected_line", "rejected_because"], ...imp.rejected.map((r) => [...pad(r.fields ?? [r.raw]), String(r.line), r.reason])];
  return { filename: `rejected-lines-import-${imp.id}.csv`, csv: lines.map((l) => l.map(csvCell).join(",")).join("\r\n") + "\r\n" };
}

/**
 * Without `overwrite`, a lead that already exists in another list keeps its
 * values (that list's import may have set them) and only gains those it
 * lacks; with it, or for a lead of this list alone (a corrected file imported
 * again), the file's non-empty values win. Either way a lead whose values
 * would not change is left alone and counted unchanged.
 */
async function upsertBatch(db: Database, rows: LeadRow[], listId: number | null, report: ImportReport, overwrite: boolean) {
  // A lead in no other list than this one holds no other list's data: the file's values win for it, as with overwrite.
  const theirs = overwrite ? sql`true` : listId === null ? sql`false` : sql`not exists (select 1 from list_members m where m.lead_id = l.id and m.list_id <> ${listId}::bigint)`;
  const keep = (c: string) => sql`case when ${theirs} then coalesce(excluded.${sql.raw(c)}, l.${sql.raw(c)}) else coalesce(l.${sql.raw(c)}, excluded.${sql.raw(c)}) end`;
  const attrs = sql`case when ${theirs} then l.attributes || excluded.attributes else excluded.attributes || l.attributes end`;
  const flagged = await db.execute<{ email: string }>(sql`
    select lower(email) as email from suppressions
    where lower(email) in (select lower(value) from jsonb_array_elements_text(${JSON.stringify(rows.map((r) => r.email))}::jsonb))`);
  const suppressed = new Set(flagged.map((f) => f.email));
  for (const row of rows) {
    if (!suppressed.has(row.email.toLowerCase())) continue;
    report.suppressedCount++;
    if (report.suppressed.length < MAX_REPORTED) report.suppressed.push({ line: row.line, email: row.email });
  }
  const [result] = await db.execute<{ created: number; updated: number; added: number }>(sql`
    with input as (
      select * from jsonb_to_recordset(${JSON.stringify(rows)}::jsonb)
        as t(email text, first_name text, last_name text, company text, time_zone text, phone text, phone_time_zone text, attributes jsonb)
    ), upserted as (
      insert into leads as l (email, first_name, last_name, company, time_zone, phone, phone_time_zone, attributes)
      select email, first_name, last_name, company, time_zone, phone, phone_time_zone, coalesce(attributes, '{}'::jsonb) from input
      on conflict ((lower(email))) do update set
        first_name = ${keep("first_name")},
        last_name = ${keep("last_name")},
        company = ${keep("company")},
        time_zone = ${keep("time_zone")},
        phone = ${keep("phone")},
        phone_time_zone = ${keep("phone_time_zone")},
        attributes = ${attrs},
        updated_at = now()
      where (l.first_name, l.last_name, l.company, l.time_zone, l.phone, l.attributes)
        is distinct from (${keep("first_name")}, ${keep("last_name")}, ${keep("company")}, ${keep("time_zone")}, ${keep("phone")}, ${attrs})
      returning id, (xmax = 0) as created
    ), members as (
      insert into list_members (list_id, lead_id)
      -- New and changed leads come from upserted; unchanged ones (not returned) from the table as it was.
      select ${listId}::bigint, x.id from (select id from upserted union select l.id from input i join leads l on lower(l.email) = lower(i.email)) x
      where ${listId}::bigint is not null
      on conflict do nothing
      returning 1
    )
    select count(*) filter (where created)::int as created,
           count(*) filter (where not created)::int as updated,
           (select count(*) from members)::int as added
    from upserted`);
  report.created += result!.created;
  report.updated += result!.updated;
  report.unchanged += rows.length - result!.created - result!.updated;
  report.addedToList += result!.added;
}
