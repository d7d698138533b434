import { createHash, randomUUID } from "node:crypto";
import { createServer, type IncomingMessage, type ServerResponse } from "node:http";
import type { AddressInfo } from "node:net";

export interface AcceptedEmail {
  id: string;
  from: string;
  to: string[];
  subject: string;
  html: string;
  text?: string;
  headers?: Record<string, string>;
  tags?: Array<{ name: string; value: string }>;
  idempotencyKey: string | null;
  at: number;
}

const ADDRESS = /^[^\s@<>",;:]+@[^\s@<>",;:]+\.[^\s@<>",;:]+$/;
/** One mailbox: `a@b.c`, `Name <a@b.c>` with no specials in the name, or `"Any, name" <a@b.c>`. */
function isMailbox(from: string): boolean {
  if (ADDRESS.test(from)) return true;
  const m = /^(.*?)\s*<([^<>]+)>$/.exec(from);
  if (!m || !ADDRESS.test(m[2]!)) return false;
  const name = m[1]!;
  return /^"(?:[^"\\]|\\.)*"$/.test(name) || !/[()<>[\]:;@\\,"]/.test(name);
}

/**
 * A local stand-in for Resend's API, strict like the real one: Bearer auth,
 * POST /emails/batch with at most 100 emails, `x-batch-validation`
 * strict|permissive (a From that is not one mailbox, attachments or
 * scheduled_at in a batch are refused), Idempotency-Key kept for 24 h (same key + payload answers
 * the first response without sending; other payload or still running: 409),
 * a per-team rate limit answered with 429 rate_limit_exceeded and the
 * ratelimit-* / retry-after headers, and Resend's error body shape.
 * Faults to inject: `failNext` (the next calls answer these statuses),
 * `down` (every batch call answers it: an outage), `latencyMs`, and `hang`
 * ("before": never answers and sends nothing; "after": sends, then never
 * answers; a later call with the same key gets the stored answer).
 * `now` is the fake's clock for the 24 h key window (tests move it).
 */
export async function startResendFake(options: { apiKey?: string; rps?: number; latencyMs?: number } = {}) {
  const apiKey = options.apiKey ?? "re_test_key";
  const state = {
    rps: options.rps ?? 10,
    latencyMs: options.latencyMs ?? 0,
    accepted: [] as AcceptedEmail[],
    requests: 0,
    rateLimited: 0,
    /** Answer the next N batch calls with this status (e.g. 500) before doing anything. */
    failNext: [] as number[],
    /** Addresses the fake refuses (as if the provider found them invalid). */
    rejectAddresses: new Set<string>(),
    /** Called after an accepted batch is stored, before the response is written (to simulate a crash mid-call). */
    onAccepted: null as null | ((emails: AcceptedEmail[]) => void),
    /** While set, every batch call answers this status (a provider outage). */
    down: 0,
    hang: "none" as "none" | "before" | "after",
    /** Batch calls that hung and have not answered. */
    hanging: 0,
    conflicts: 0,
    now: () => Date.now(),
  };
  const WINDOW_MS = 24 * 3_600_000;
  const idempotency = new Map<string, { hash: string; status: number; body: unknown; done: boolean; at: number }>();
  let tokens = state.rps;
  let last = Date.now();

  const send = (res: ServerResponse, status: number, body: unknown, headers: Record<string, string> = {}) => {
    res.writeHead(status, { "content-type": "application/json", ...headers });
    res.end(JSON.stringify(body));
  };
  const error = (res: ServerResponse, status: number, name: string, message: string, headers: Record<string, string> = {}) =>
    send(res, status, { statusCode: status, message, name }, headers);

  const server = createServer(async (req: IncomingMessage, res: ServerResponse) => {
    const chunks: Buffer[] = [];
    for await (const c of req) chunks.push(c as Buffer);
    const raw = Buffer.concat(chunks).toString();
    state.requests++;

    // Token bucket: `rps` requests per second, bursts up to `rps`.
    const now = Date.now();
    tokens = Math.min(state.rps, tokens + ((now - last) / 1000) * state.rps);
    last = now;
    const limitHeaders = { "ratelimit-limit": String(state.rps), "ratelimit-remaining": String(Math.max(0, Math.floor(tokens) - 1)), "ratelimit-reset": "1" };
    if (tokens < 1) {
      state.rateLimited++;
      return error(res, 429, "rate_limit_exceeded", "Too many requests. You can only make 2 requests per second.", { ...limitHeaders, "retry-after": "1" });
    }
    tokens -= 1;

    if (req.headers.authorization !== `Bearer ${apiKey}`) {
      return req.headers.authorization ? error(res, 403, "invalid_api_key", "API key is invalid") : error(res, 401, "missing_api_key", "Missing API key in the authorization header.");
    }
    const forced = state.failNext.shift() ?? (req.url === "/emails/batch" ? state.down : 0);
    if (forced) return error(res, forced, "internal_server_error", "An unexpected error occurred.");
    if (state.hang === "before") {
      state.hanging++;
      return; // never answers, never sends
    }
    if (req.method !== "POST" || (req.url !== "/emails/batch" && req.url !== "/emails")) return error(res, 404, "not_found", "The requested endpoint does not exist.");

    let body: unknown;
    try {
      body = JSON.parse(raw);
    } catch {
      return error(res, 422, "validation_error", "Invalid JSON body.");
    }
    const emails = (req.url === "/emails" ? [body] : body) as Array<Record<string, unknown>>;
    if (!Array.isArray(emails)) return error(res, 422, "validation_error", "The batch must be an array of emails.");
    if (emails.length > 100) return error(res, 422, "validation_error", "Too many emails in one batch: the maximum is 100.");

    const key = (req.headers["idempotency-key"] as string | undefined) ?? null;
    const hash = createHash("sha256").update(raw).digest("hex");
    if (key) {
      if (key.length < 1 || key.length > 256) return error(res, 422, "validation_error", "Idempotency key must be 1-256 characters.");
      const seen = idempotency.get(key);
      if (seen && state.now() - seen.at > WINDOW_MS) idempotency.delete(key);
      else if (seen) {
        state.conflicts++;
        if (seen.hash !== hash) return error(res, 409, "invalid_idempotent_request", "Same idempotency key used with a different request payload.");
        if (!seen.done) return error(res, 409, "concurrent_idempotent_requests", "Same idempotency key used while the original request is still in progress.");
        state.conflicts--;
        return send(res, seen.status, seen.body, limitHeaders);
      }
      idempotency.set(key, { hash, status: 0, body: null, done: false, at: state.now() });
    }

    if (state.latencyMs) await new Promise((r) => setTimeout(r, state.latencyMs));
    const permissive = req.headers["x-batch-validation"] === "permissive";
    const problems: Array<{ index: number; message: string }> = [];
    emails.forEach((e, index) => {
      const to = e.to as string[] | string | undefined;
      const list = Array.isArray(to) ? to : to ? [to] : [];
      if (list.some((a) => state.rejectAddresses.has(a))) problems.push({ index, message: "The recipient's domain does not accept email." });
      else if (!e.from || !e.subject) problems.push({ index, message: "Missing `from` or `subject` field." });
      else if (!isMailbox(String(e.from))) problems.push({ index, message: "Invalid `from` field. The email address needs to follow the `email@example.com` or `Name <email@example.com>` format." });
      else if (req.url === "/emails/batch" && (e.attachments !== undefined || e.scheduled_at !== undefined)) problems.push({ index, message: "Attachments and `scheduled_at` are not supported in batch emails." });
      else if (!list.length || list.length > 50 || list.some((a) => !/^[^\s@]+@[^\s@]+\.[^\s@]+$/.test(a))) problems.push({ index, message: `Invalid \`to\` field. The email address needs to follow the \`email@example.com\` format.` });
      else if ((e.tags as Array<{ name: string; value: string }> | undefined)?.some((t) => !/^[A-Za-z0-9_-]{1,256}$/.test(t.name) || !/^[A-Za-z0-9_-]{1,256}$/.test(t.value))) problems.push({ index, message: "Tags should only contain ASCII letters, numbers, underscores, or dashes." });
    });
    if (problems.length && !permissive) {
      idempotency.delete(key ?? "");
      return error(res, 422, "validation_error", problems[0]!.message);
    }
    const bad = new Set(problems.map((p) => p.index));
    const acceptedNow: AcceptedEmail[] = [];
    const data = emails.flatMap((e, index) => {
      if (bad.has(index)) return [];
      const email: AcceptedEmail = {
        id: randomUUID(), from: String(e.from), to: Array.isArray(e.to) ? (e.to as string[]) : [String(e.to)], subject: String(e.subject), html: String(e.html ?? ""),
        text: e.text as string | undefined, headers: e.headers as Record<string, string> | undefined, tags: e.tags as AcceptedEmail["tags"], idempotencyKey: key, at: Date.now(),
      };
      acceptedNow.push(email);
      return [{ id: email.id }];
    });
    state.accepted.push(...acceptedNow);
    const responseBody = req.url === "/emails" ? data[0] : permissive ? { data, errors: problems } : { data };
    if (key) idempotency.set(key, { hash, status: 200, body: responseBody, done: true, at: idempotency.get(key)?.at ?? state.now() });
    state.onAccepted?.(acceptedNow);
    if (state.hang === "after") {
      state.hanging++;
      return; // sent, but the answer never comes
    }
    if (res.destroyed) return;
    send(res, 200, responseBody, limitHeaders);
  });

  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
  const url = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  return {
    url,
    apiKey,
    state,
    /** Recipients accepted more than once. */
    duplicates() {
      return [...this.countsByRecipient().values()].filter((n) => n > 1).length;
    },
    /** How many times each recipient address was accepted. */
    countsByRecipient() {
      const counts = new Map<string, number>();
      for (const e of state.accepted) for (const to of e.to) counts.set(to, (counts.get(to) ?? 0) + 1);
      return counts;
    },
    close: () => new Promise<void>((resolve) => { server.closeAllConnections(); server.close(() => resolve()); }),
  };
}
