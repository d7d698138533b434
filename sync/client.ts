import Airtable from "airtable";
import { sql } from "drizzle-orm";
import type { Executor } from "../db/client";
import { Pacer, sleep } from "./pacer";

export const MAX_WRITE = 10;

/** The request may succeed later (429, 5xx, network, outage): keep the work and retry with backoff. */
export class AirtableUnavailable extends Error {
  constructor(message: string, public readonly rateLimited = false) {
    super(message);
    this.name = "AirtableUnavailable";
  }
}
/** Airtable refused the request itself (4xx): retrying the same request will not help. */
export class AirtableRejected extends Error {
  constructor(message: string, public readonly status: number) {
    super(message);
    this.name = "AirtableRejected";
  }
}

export interface AirtableRecord {
  id: string;
  createdTime?: string;
  fields: Record<string, unknown>;
}

interface SdkError {
  error?: string;
  message?: string;
  statusCode?: number | null;
}

/** One record of a write: by Airtable id once Herald knows it, else created or upserted on the merge fields. */
export interface WriteRecord {
  id?: string;
  fields: Record<string, unknown>;
}

/**
 * One base, through the `airtable` SDK with its own retries off
 * (`noRetryIfRateLimited`): every request waits for a place in the base's
 * window (sync/pacer.ts, shared by all processes), a 429 makes every process
 * wait 30 s, 5xx and network errors are retried twice with backoff. Writes
 * take at most 10 records; callers chunk (and isolate failures).
 */
export class AirtableBase {
  private readonly base: ReturnType<Airtable["base"]>;
  private readonly pacer: Pacer;

  constructor(private readonly db: Executor, private readonly options: { token: string; endpointUrl?: string; baseId: string; timeoutMs?: number }) {
    const airtable = new Airtable({ apiKey: options.token, endpointUrl: options.endpointUrl, noRetryIfRateLimited: true, requestTimeout: options.timeoutMs ?? 30_000 });
    this.base = airtable.base(options.baseId);
    this.pacer = new Pacer(db, `airtable:${options.baseId}`);
  }

  get id() {
    return this.options.baseId;
  }

  private async paced<T>(call: () => Promise<T>): Promise<T> {
    for (let attempt = 0; ; attempt++) {
      try {
        return await this.pacer.run(call);
      } catch (raw) {
        const error = raw as SdkError;
        const status = error.statusCode ?? null;
        if (status === 429) {
          await this.pacer.block();
          throw new AirtableUnavailable("Airtable rate limit reached: waiting 30 s", true);
        }
        if (status === null || status >= 500) {
          if (attempt < 2) {
            await sleep(500 * 2 ** attempt);
            continue;
          }
          throw new AirtableUnavailable(`Airtable is unavailable: ${error.message ?? error.error ?? "no answer"}`);
        }
        throw new AirtableRejected(`Airtable refused the request: ${error.error ?? "error"}: ${error.message ?? ""}`.trim(), status);
      }
    }
  }

  private request<T>(options: { method: string; path: string; qs?: Record<string, unknown>; body?: unknown }): Promise<T> {
    return this.paced(async () => (await this.base.makeRequest(options as never)).body as T);
  }

  /** Every record matching the formula, page by page (100 a page). */
  async list(table: string, options: { filterByFormula?: string; fields?: string[] } = {}): Promise<AirtableRecord[]> {
    const out: AirtableRecord[] = [];
    let offset: string | undefined;
    do {
      const page = await this.request<{ records: AirtableRecord[]; offset?: string }>({
        method: "GET",
        path: `/${encodeURIComponent(table)}`,
        qs: { pageSize: 100, ...(offset ? { offset } : {}), ...(options.filterByFormula ? { filterByFormula: options.filterByFormula } : {}), ...(options.fields ? { fields: options.fields } : {}) },
      });
      out.push(...page.records);
      offset = page.offset;
    } while (offset);
    return out;
  }

  /**
   * One write request of at most 10 records: records with an id are updated
   * in place (PATCH), the others upserted on `mergeOn` (or created when
   * mergeOn is empty). All or nothing, like Airtable. Answers the records as
   * written, in order.
   */
  async write(table: string, records: WriteRecord[], mergeOn: string[] = []): Promise<AirtableRecord[]> {
    if (records.length > MAX_WRITE) throw new Error(`at most ${MAX_WRITE} records a write`);
    const byId = records.every((r) => r.id);
    if (!byId && records.some((r) => r.id)) throw new Error("a write either addresses records by id or upserts them, not both");
    const body = byId
      ? { records: records.map((r) => ({ id: r.id, fields: r.fields })), typecast: true }
      : mergeOn.length
        ? { records: records.map((r) => ({ fields: r.fields })), performUpsert: { fieldsToMergeOn: mergeOn }, typecast: true }
        : { records: records.map((r) => ({ fields: r.fields })), typecast: true };
    const res = await this.request<{ records: AirtableRecord[] }>({ method: byId || mergeOn.length ? "PATCH" : "POST", path: `/${encodeURIComponent(table)}`, body });
    return res.records;
  }

  /** The Meta API (not covered by the SDK): same pacing, plain fetch. */
  async meta<T>(method: "GET" | "POST", path: string, body?: unknown): Promise<T> {
    const endpoint = (this.options.endpointUrl ?? "https://api.airtable.com").replace(/\/$/, "");
    return this.paced(async () => {
      let res: Response;
      try {
        res = await fetch(`${endpoint}/v0/meta/bases/${this.options.baseId}/tables${path}`, {
          method, headers: { Authorization: `Bearer ${this.options.token}`, "Content-Type": "application/json" }, body: body ? JSON.stringify(body) : undefined,
        });
      } catch (error) {
        throw { statusCode: null, message: (error as Error).message } satisfies SdkError;
      }
      const json = (await res.json().catch(() => ({}))) as { error?: { type?: string; message?: string } | string };
      if (!res.ok) {
        const e = typeof json.error === "string" ? { type: json.error } : json.error;
        throw { statusCode: res.status, error: e?.type, message: e?.message } satisfies SdkError;
      }
      return json as T;
    });
  }
}

export async function logSync(db: Executor, base: "control" | "performance", direction: string, level: "info" | "warn" | "error", message: string, details: Record<string, unknown> = {}) {
  await db.execute(sql`insert into sync_log (base, direction, level, message, details) values (${base}, ${direction}, ${level}, ${message}, ${JSON.stringify(details)}::jsonb)`);
}
