import { randomBytes } from "node:crypto";
import { createServer, type IncomingMessage, type ServerResponse } from "node:http";
import type { AddressInfo } from "node:net";

/**
 * A local Airtable-compatible server: the tests' fake and the sandbox that
 * `HERALD_AIRTABLE_SANDBOX=1 npm start` runs. It behaves like the service:
 * 5 requests/s per base, then 429 and 30 s of 429s; at most 10 records per
 * write (422); upserts on `performUpsert.fieldsToMergeOn` (no match creates,
 * one updates, several fail); list pagination with offset and pageSize ≤ 100;
 * the filterByFormula subset Herald uses, LAST_MODIFIED_TIME and RECORD_ID
 * included; the Meta API, which refuses to create computed fields
 * (lastModifiedTime, formula…) as the real one does; writes by record id (404
 * for a deleted record); Airtable's error bodies. Tests can act as ops
 * (edit, duplicate, delete records) and step in before any request. The clock
 * is injectable so tests need not wait 30 s.
 */
export interface FakeField {
  id: string;
  name: string;
  type: string;
  description?: string;
  options?: Record<string, unknown>;
}
interface FakeRecord {
  id: string;
  createdTime: string;
  fields: Record<string, unknown>;
  modified: Record<string, number>;
}
interface FakeTable {
  id: string;
  name: string;
  fields: FakeField[];
  records: FakeRecord[];
}

/** Field types the Meta API refuses to create (a person can still add them in the UI). */
const COMPUTED = ["autoNumber", "button", "count", "createdBy", "createdTime", "externalSyncSource", "formula", "lastModifiedBy", "lastModifiedTime", "multipleLookupValues", "rollup"];

export interface RequestInfo {
  method: string;
  path: string;
  baseId: string;
  /** Requests so far (this one included). */
  index: number;
}

export interface AirtableServerOptions {
  token?: string;
  now?: () => number;
  requestsPerSecond?: number;
  penaltyMs?: number;
  port?: number;
}

const newId = (prefix: string) => `${prefix}${randomBytes(7).toString("hex").slice(0, 14)}`;

export async function startAirtableServer(options: AirtableServerOptions = {}) {
  const token = options.token ?? "patSandboxToken";
  let clock = options.now ?? (() => Date.now());
  const limit = options.requestsPerSecond ?? 5;
  const penalty = options.penaltyMs ?? 30_000;
  const bases = new Map<string, Map<string, FakeTable>>();
  const window = new Map<string, number[]>();
  const blockedUntil = new Map<string, number>();
  const stats = { requests: 0, writes: 0, violations: 0, maxRecordsPerWrite: 0, byBase: new Map<string, number>(), arrivals: new Map<string, number[]>() };
  let beforeRequest: ((info: RequestInfo) => void | Promise<void>) | null = null;
  let outageUntil = 0;
  const offsets = new Map<string, { ids: string[]; at: number }>();

  const base = (id: string) => {
    let b = bases.get(id);
    if (!b) bases.set(id, (b = new Map()));
    return b;
  };
  const tableOf = (baseId: string, nameOrId: string) => [...base(baseId).values()].find((t) => t.name === nameOrId || t.id === nameOrId);

  const send = (res: ServerResponse, status: number, body: unknown) => {
    res.writeHead(status, { "content-type": "application/json" });
    res.end(JSON.stringify(body));
  };
  const fail = (res: ServerResponse, status: number, type: string, message: string) => send(res, status, { error: { type, message } });

  function setFields(table: FakeTable, record: FakeRecord, fields: Record<string, unknown>, replace: boolean, typecast: boolean): string | null {
    for (const [name, value] of Object.entries(fields)) {
      const field = table.fields.find((f) => f.name === name);
      if (!field) return `Unknown field name: "${name}"`;
      if (COMPUTED.includes(field.type)) return `Field "${name}" cannot accept a value because the field is computed`;
      if (field.type === "singleSelect" && value !== null && value !== "") {
        const choices = (field.options?.choices as Array<{ name: string }> | undefined) ?? [];
        if (!choices.some((c) => c.name === value)) {
          if (!typecast) return `Insufficient permissions to create new select option ""${String(value)}""`;
          choices.push({ name: String(value) });
          field.options = { ...field.options, choices };
        }
      }
      if (field.type === "number" && value !== null && typeof value !== "number") return `Field "${name}" cannot accept the provided value`;
    }
    const before = { ...record.fields };
    if (replace) record.fields = {};
    for (const [name, value] of Object.entries(fields)) {
      if (value === null || value === "" || value === false || (Array.isArray(value) && !value.length)) delete record.fields[name];
      else record.fields[name] = value;
    }
    for (const f of table.fields) if (JSON.stringify(before[f.name]) !== JSON.stringify(record.fields[f.name])) record.modified[f.name] = clock();
    return null;
  }

  function view(table: FakeTable, record: FakeRecord, only?: string[]) {
    const fields: Record<string, unknown> = {};
    for (const f of table.fields) {
      if (only && !only.includes(f.name)) continue;
      if (f.type === "lastModifiedTime") {
        const ids = (f.options?.referencedFieldIds as string[] | undefined) ?? [];
        const watched = table.fields.filter((x) => ids.includes(x.id)).map((x) => x.name);
        const times = watched.map((w) => record.modified[w]).filter((x): x is number => x !== undefined);
        if (times.length) fields[f.name] = new Date(Math.max(...times)).toISOString();
      } else if (record.fields[f.name] !== undefined) fields[f.name] = record.fields[f.name];
    }
    return { id: record.id, createdTime: record.createdTime, fields };
  }

  /** The formula subset: IS_AFTER(LAST_MODIFIED_TIME([{F}]), 'iso'), RECORD_ID() = 'rec…', {F} = 'v' | number, {F} = BLANK(), AND(…), OR(…), NOT(…). */
  function compile(formula: string): ((t: FakeTable, r: FakeRecord) => boolean) | null {
    const f = formula.trim();
    if (!f) return () => true;
    const call = /^(AND|OR|NOT)\((.*)\)$/s.exec(f);
    if (call) {
      const args = splitArgs(call[2]!).map(compile);
      if (args.some((a) => !a)) return null;
      const fns = args as Array<(t: FakeTable, r: FakeRecord) => boolean>;
      return call[1] === "AND" ? (t, r) => fns.every((fn) => fn(t, r)) : call[1] === "OR" ? (t, r) => fns.some((fn) => fn(t, r)) : (t, r) => !fns[0]!(t, r);
    }
    const after = /^IS_AFTER\(LAST_MODIFIED_TIME\((?:\{([^}]+)\})?\),\s*'([^']+)'\)$/.exec(f);
    if (after) {
      const since = Date.parse(after[2]!);
      if (Number.isNaN(since)) return null;
      return (_t, r) => (after[1] ? r.modified[after[1]] ?? 0 : Math.max(0, ...Object.values(r.modified))) > since;
    }
    const rid = /^RECORD_ID\(\)\s*=\s*'([^']*)'$/.exec(f);
    if (rid) return (_t, r) => r.id === rid[1];
    const eq = /^\{([^}]+)\}\s*=\s*(?:'([^']*)'|(-?\d+(?:\.\d+)?)|BLANK\(\))$/.exec(f);
    if (eq) {
      return (_t, r) => {
        const v = r.fields[eq[1]!];
        if (eq[2] !== undefined) return String(v ?? "") === eq[2];
        if (eq[3] !== undefined) return Number(v) === Number(eq[3]);
        return v === undefined;
      };
    }
    return null;
  }

  function splitArgs(s: string): string[] {
    const out: string[] = [];
    let depth = 0;
    let quote = false;
    let cur = "";
    for (const ch of s) {
      if (ch === "'") quote = !quote;
      if (!quote && ch === "(") depth++;
      if (!quote && ch === ")") depth--;
      if (!quote && depth === 0 && ch === ",") {
        out.push(cur);
        cur = "";
      } else cur += ch;
    }
    if (cur.trim()) out.push(cur);
    return out;
  }

  function list(res: ServerResponse, table: FakeTable, params: { pageSize?: number; offset?: string; filterByFormula?: string; fields?: string[]; maxRecords?: number }) {
    const pageSize = Math.min(params.pageSize ?? 100, 100);
    if (params.pageSize !== undefined && (params.pageSize < 1 || params.pageSize > 100)) return fail(res, 422, "INVALID_REQUEST_UNKNOWN", "pageSize must be between 1 and 100");
    const test = compile(params.filterByFormula ?? "");
    if (!test) return fail(res, 422, "INVALID_FILTER_BY_FORMULA", `The formula for filtering records is invalid: ${params.filterByFormula}`);
    let ids: string[];
    if (params.offset) {
      const cursor = offsets.get(params.offset);
      if (!cursor || clock() - cursor.at > 5 * 60_000) return fail(res, 422, "LIST_RECORDS_ITERATOR_NOT_AVAILABLE", "The iterator is not available");
      ids = cursor.ids;
    } else {
      ids = table.records.filter((r) => test(table, r)).map((r) => r.id).slice(0, params.maxRecords ?? Infinity);
    }
    const page = ids.slice(0, pageSize);
    const rest = ids.slice(pageSize);
    const body: { records: unknown[]; offset?: string } = { records: page.map((id) => view(table, table.records.find((r) => r.id === id)!, params.fields)) };
    if (rest.length) {
      const next = newId("itr");
      offsets.set(next, { ids: rest, at: clock() });
      body.offset = next;
    }
    send(res, 200, body);
  }

  function write(res: ServerResponse, method: string, table: FakeTable, body: { records?: Array<{ id?: string; fields?: Record<string, unknown> }>; performUpsert?: { fieldsToMergeOn?: string[] }; typecast?: boolean }) {
    const records = body.records ?? [];
    stats.writes++;
    stats.maxRecordsPerWrite = Math.max(stats.maxRecordsPerWrite, records.length);
    if (!Array.isArray(records) || records.length === 0) return fail(res, 422, "INVALID_REQUEST_MISSING_FIELDS", "Could not find field \"records\" in the request body");
    if (records.length > 10) return fail(res, 422, "INVALID_RECORDS", "You can only create or update up to 10 records per request");
    const merge = body.performUpsert?.fieldsToMergeOn;
    if (merge && (merge.length < 1 || merge.length > 3)) return fail(res, 422, "INVALID_REQUEST_UNKNOWN", "fieldsToMergeOn must name 1 to 3 fields");
    const out: unknown[] = [];
    const created: string[] = [];
    const updated: string[] = [];
    const staged: Array<() => void> = [];
    // Validate everything first: Airtable applies a request all or nothing.
    const shadow = new Map<string, FakeRecord>();
    // Records by their merge key, built once per request (a base may hold 30,000 records).
    const keyOf = (f: Record<string, unknown>) => JSON.stringify((merge ?? []).map((m) => f[m] ?? null));
    const byKey = new Map<string, FakeRecord[]>();
    if (merge) {
      for (const r of table.records) {
        const k = keyOf(r.fields);
        const same = byKey.get(k);
        if (same) same.push(r);
        else byKey.set(k, [r]);
      }
    }
    for (const input of records) {
      const fields = input.fields ?? {};
      let target: FakeRecord | undefined;
      if (method === "POST") target = undefined;
      else if (merge) {
        const matches = byKey.get(keyOf(fields)) ?? [];
        if (matches.length > 1) return fail(res, 422, "INVALID_RECORDS", `Found multiple records matching the fieldsToMergeOn values: ${merge.join(", ")}`);
        target = matches[0];
      } else {
        target = table.records.find((r) => r.id === input.id);
        if (!target) return fail(res, 404, "NOT_FOUND", `Record ${input.id ?? "(no id)"} not found`);
      }
      const record: FakeRecord = target ? shadow.get(target.id) ?? { ...target, fields: { ...target.fields }, modified: { ...target.modified } } : { id: newId("rec"), createdTime: new Date(clock()).toISOString(), fields: {}, modified: {} };
      const problem = setFields(table, record, fields, method === "PUT", Boolean(body.typecast));
      if (problem) return fail(res, 422, problem.startsWith("Unknown field") ? "UNKNOWN_FIELD_NAME" : "INVALID_VALUE_FOR_COLUMN", problem);
      shadow.set(record.id, record);
      out.push(view(table, record));
      (target ? updated : created).push(record.id);
      staged.push(() => {
        const i = table.records.findIndex((r) => r.id === record.id);
        if (i >= 0) table.records[i] = record;
        else table.records.push(record);
      });
    }
    staged.forEach((apply) => apply());
    send(res, 200, merge ? { records: out, createdRecords: created, updatedRecords: updated } : { records: out });
  }

  /** A field to create takes name, type, description (at most 20,000 characters) and options; anything else is refused, as Airtable does. */
  function fieldProblem(f: Record<string, unknown>): string | null {
    const unknown = Object.keys(f).find((k) => !["name", "type", "description", "options"].includes(k));
    if (unknown) return `Invalid request: parameter validation failed. Check your request data. (unknown property "${unknown}")`;
    if (f.description !== undefined && (typeof f.description !== "string" || f.description.length > 20_000)) return "Invalid request: the field description must be a string of at most 20,000 characters";
    return null;
  }

  function meta(res: ServerResponse, method: string, baseId: string, rest: string[], body: Record<string, unknown>) {
    const b = base(baseId);
    if (method === "GET" && rest.length === 0) {
      return send(res, 200, { tables: [...b.values()].map((t) => ({ id: t.id, name: t.name, primaryFieldId: t.fields[0]?.id, fields: t.fields })) });
    }
    if (method === "POST" && rest.length === 0) {
      const name = String(body.name ?? "");
      if (!name) return fail(res, 422, "INVALID_REQUEST_UNKNOWN", "Table name is required");
      if (tableOf(baseId, name)) return fail(res, 422, "DUPLICATE_TABLE_NAME", `A table named "${name}" already exists`);
      const refused = ((body.fields as Array<Omit<FakeField, "id">>) ?? []).find((f) => COMPUTED.includes(f.type));
      if (refused) return fail(res, 422, "UNSUPPORTED_FIELD_TYPE_FOR_CREATE", `Field type "${refused.type}" is not supported for creating fields through the API`);
      const invalid = ((body.fields as Array<Record<string, unknown>>) ?? []).map(fieldProblem).find(Boolean);
      if (invalid) return fail(res, 422, "INVALID_REQUEST_UNKNOWN", invalid);
      const fields = ((body.fields as Array<Omit<FakeField, "id">>) ?? []).map((f) => ({ ...f, id: newId("fld") }));
      const table: FakeTable = { id: newId("tbl"), name, fields, records: [] };
      b.set(table.id, table);
      return send(res, 200, { id: table.id, name, primaryFieldId: fields[0]?.id, fields });
    }
    if (method === "POST" && rest.length === 2 && rest[1] === "fields") {
      const table = tableOf(baseId, rest[0]!);
      if (!table) return fail(res, 404, "TABLE_NOT_FOUND", "Could not find table");
      if (table.fields.some((f) => f.name === body.name)) return fail(res, 422, "DUPLICATE_OR_EMPTY_FIELD_NAME", `A field named "${String(body.name)}" already exists`);
      if (COMPUTED.includes(String(body.type))) return fail(res, 422, "UNSUPPORTED_FIELD_TYPE_FOR_CREATE", `Field type "${String(body.type)}" is not supported for creating fields through the API`);
      const invalid = fieldProblem(body);
      if (invalid) return fail(res, 422, "INVALID_REQUEST_UNKNOWN", invalid);
      const field = { id: newId("fld"), name: String(body.name), type: String(body.type), ...(body.description ? { description: String(body.description) } : {}), ...(body.options ? { options: body.options as Record<string, unknown> } : {}) };
      table.fields.push(field);
      return send(res, 200, field);
    }
    fail(res, 404, "NOT_FOUND", "Could not find what you are looking for");
  }

  const server = createServer(async (req: IncomingMessage, res: ServerResponse) => {
    const arrived = clock();
    const chunks: Buffer[] = [];
    for await (const c of req) chunks.push(c as Buffer);
    const url = new URL(req.url ?? "/", "http://x");
    const parts = url.pathname.split("/").filter(Boolean).map(decodeURIComponent);
    if (url.pathname === "/" || url.pathname === "/edit") return sandboxPage(req, res, url, Buffer.concat(chunks).toString());
    if (parts[0] !== "v0") return fail(res, 404, "NOT_FOUND", "Could not find what you are looking for");
    const isMeta = parts[1] === "meta" && parts[2] === "bases";
    const baseId = isMeta ? parts[3]! : parts[1]!;
    stats.requests++;
    stats.byBase.set(baseId, (stats.byBase.get(baseId) ?? 0) + 1);
    if (!stats.arrivals.has(baseId)) stats.arrivals.set(baseId, []);
    stats.arrivals.get(baseId)!.push(Date.now());
    if (beforeRequest) await beforeRequest({ method: req.method ?? "GET", path: url.pathname + url.search, baseId, index: stats.requests });

    if (req.headers.authorization !== `Bearer ${token}`) return fail(res, 401, "AUTHENTICATION_REQUIRED", "Authentication required");
    if (arrived < outageUntil) return fail(res, 503, "SERVICE_UNAVAILABLE", "The service is temporarily unavailable.");
    // 5 requests per second per base; over it, 429 now and for the next 30 seconds. Real time, whatever
    // clock a test gives the records: Airtable's limit is counted in seconds that pass.
    const now = Date.now();
    if ((blockedUntil.get(baseId) ?? 0) > now) {
      stats.violations++;
      return send(res, 429, { errors: [{ error: "RATE_LIMIT_REACHED", message: "Rate limit exceeded. Please try again later" }] });
    }
    const recent = (window.get(baseId) ?? []).filter((t) => now - t < 1000);
    if (recent.length >= limit) {
      stats.violations++;
      blockedUntil.set(baseId, now + penalty);
      window.set(baseId, recent);
      return send(res, 429, { errors: [{ error: "RATE_LIMIT_REACHED", message: "Rate limit exceeded. Please try again later" }] });
    }
    recent.push(now);
    window.set(baseId, recent);

    let body: Record<string, unknown> = {};
    if (chunks.length) {
      try {
        body = JSON.parse(Buffer.concat(chunks).toString());
      } catch {
        return fail(res, 422, "INVALID_REQUEST_UNKNOWN", "Invalid request: parameter validation failed. Check your request data.");
      }
    }
    const method = req.method ?? "GET";
    if (isMeta) return meta(res, method, baseId, parts.slice(5), body);
    const table = tableOf(baseId, parts[2] ?? "");
    if (!table) return fail(res, 404, "TABLE_NOT_FOUND", `Could not find table ${parts[2] ?? ""} in application ${baseId}`);
    if (method === "GET" && parts.length === 3) {
      const q = url.searchParams;
      return list(res, table, {
        pageSize: q.has("pageSize") ? Number(q.get("pageSize")) : undefined,
        offset: q.get("offset") ?? undefined,
        filterByFormula: q.get("filterByFormula") ?? undefined,
        maxRecords: q.has("maxRecords") ? Number(q.get("maxRecords")) : undefined,
        fields: q.getAll("fields[]").length ? q.getAll("fields[]") : undefined,
      });
    }
    if (method === "POST" && parts[3] === "listRecords") return list(res, table, body as never);
    if (["POST", "PATCH", "PUT"].includes(method) && parts.length === 3) return write(res, method, table, body as never);
    if (method === "DELETE" && parts.length === 3) {
      const ids = url.searchParams.getAll("records[]");
      if (ids.length > 10) return fail(res, 422, "INVALID_RECORDS", "You can only delete up to 10 records per request");
      table.records = table.records.filter((r) => !ids.includes(r.id));
      return send(res, 200, { records: ids.map((id) => ({ id, deleted: true })) });
    }
    fail(res, 404, "NOT_FOUND", "Could not find what you are looking for");
  });
  /** A page for people trying the sandbox: every table's records, and a Status editor that plays "ops". */
  function sandboxPage(req: IncomingMessage, res: ServerResponse, url: URL, body: string) {
    if (req.method === "POST") {
      const form = new URLSearchParams(body);
      const table = tableOf(form.get("base") ?? "", form.get("table") ?? "");
      const record = table?.records.find((r) => r.id === form.get("record"));
      if (table && record) setFields(table, record, { Status: form.get("status") }, false, false);
      res.writeHead(303, { location: "/" });
      return res.end();
    }
    const esc = (v: unknown) => String(v ?? "").replace(/[&<>"]/g, (c) => `&#${c.charCodeAt(0)};`);
    const sections = [...bases.entries()].flatMap(([baseId, tables]) => [...tables.values()].map((table) => {
      const fields = table.fields.map((f) => f.name);
      const rows = table.records.map((r) => {
        const v = view(table, r).fields;
        const cells = fields.map((f) => {
          if (f === "Status" && table.name === "Campaigns") {
            const options = ["Draft", "Scheduled", "Active", "Paused", "Completed", "Cancelled", "Failed"].map((o) => `<option${o === v[f] ? " selected" : ""}>${o}</option>`).join("");
            return `<td><form method="post" action="/edit"><input type="hidden" name="base" value="${esc(baseId)}"><input type="hidden" name="table" value="${esc(table.name)}"><input type="hidden" name="record" value="${r.id}"><select name="status" onchange="this.form.submit()">${options}</select></form></td>`;
          }
          return `<td>${esc(v[f])}</td>`;
        }).join("");
        return `<tr>${cells}</tr>`;
      }).join("");
      return `<h2>${esc(baseId)} / ${esc(table.name)} <small>(${table.records.length} records)</small></h2><table><tr>${fields.map((f) => `<th>${esc(f)}</th>`).join("")}</tr>${rows}</table>`;
    })).join("");
    res.writeHead(200, { "content-type": "text/html; charset=utf-8" });
    res.end(`<!doctype html><meta charset="utf-8"><title>Airtable sandbox</title><style>body{font-family:system-ui;margin:2rem}table{border-collapse:collapse;font-size:13px}td,th{border:1px solid #ddd;padding:4px 6px;text-align:left}</style>
      <h1>Airtable sandbox</h1><p>Herald mirrors campaigns here as it would to Airtable. Change a Status to act as ops; Herald applies it within a minute (or press "Sync now" in Herald). Reload to see Herald's writes.</p>${sections || "<p>No bases yet.</p>"}`);
  }

  await new Promise<void>((resolve) => server.listen(options.port ?? 0, "127.0.0.1", resolve));
  const url = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;

  return {
    url,
    token,
    stats,
    /** Every request fails with 503 for `ms` (of the injectable clock). */
    outage(ms: number) {
      outageUntil = clock() + ms;
    },
    setClock(now: () => number) {
      clock = now;
    },
    /** What ops do in the Airtable UI: edit a record's fields (LAST_MODIFIED_TIME moves). */
    edit(baseId: string, tableName: string, recordId: string, fields: Record<string, unknown>) {
      const table = tableOf(baseId, tableName)!;
      const record = table.records.find((r) => r.id === recordId)!;
      const problem = setFields(table, record, fields, false, false);
      if (problem) throw new Error(problem);
    },
    /** A record created by hand in the UI. */
    create(baseId: string, tableName: string, fields: Record<string, unknown>) {
      const table = tableOf(baseId, tableName)!;
      const record: FakeRecord = { id: newId("rec"), createdTime: new Date(clock()).toISOString(), fields: {}, modified: {} };
      setFields(table, record, fields, false, true);
      table.records.push(record);
      return record.id;
    },
    /** Airtable's "duplicate record": a copy of every field, the Herald ID included. */
    duplicate(baseId: string, tableName: string, recordId: string) {
      const table = tableOf(baseId, tableName)!;
      const source = table.records.find((r) => r.id === recordId)!;
      const now = clock();
      const copy: FakeRecord = { id: newId("rec"), createdTime: new Date(now).toISOString(), fields: { ...source.fields }, modified: Object.fromEntries(Object.keys(source.fields).map((k) => [k, now])) };
      table.records.push(copy);
      return copy.id;
    },
    /** A person deletes a record in the UI. */
    remove(baseId: string, tableName: string, recordId: string) {
      const table = tableOf(baseId, tableName)!;
      table.records = table.records.filter((r) => r.id !== recordId);
    },
    /** Runs before each API request is handled (after it is counted): lets a test act as ops at any point of a round. */
    beforeRequest(fn: ((info: RequestInfo) => void | Promise<void>) | null) {
      beforeRequest = fn;
    },
    /** The most requests to one base that arrived within any sliding second, and how many arrived over the limit. */
    busiestSecond(baseId: string) {
      const times = [...(stats.arrivals.get(baseId) ?? [])].sort((a, b) => a - b);
      let most = 0;
      let over = 0;
      for (let i = 0, j = 0; i < times.length; i++) {
        while (times[i]! - times[j]! >= 1000) j++;
        most = Math.max(most, i - j + 1);
        if (i - j + 1 > limit) over++;
      }
      return { most, over };
    },
    records(baseId: string, tableName: string) {
      const table = tableOf(baseId, tableName);
      return table ? table.records.map((r) => view(table, r)) : [];
    },
    close: () => new Promise<void>((resolve) => { server.closeAllConnections(); server.close(() => resolve()); }),
  };
}

export type AirtableServer = Awaited<ReturnType<typeof startAirtableServer>>;
