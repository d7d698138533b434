import { createHash } from "node:crypto";
import { sql } from "drizzle-orm";
import twilio from "twilio";
import type { Database } from "../../db/client";
import { reserve, sleep } from "../sending/rate-limit";
import { TransportError, type EmailOutcome, type OutgoingEmail, type Transport } from "../sending/transport";

/** No Twilio request may hang longer than this: a timeout is "outcome unknown", settled by the lookup on retake. */
export const TWILIO_TIMEOUT_MS = 15_000;

/** A message handed over less than this long ago without a stored answer may still be in a live worker's request (> the timeout). */
const IN_FLIGHT_MS = 2 * TWILIO_TIMEOUT_MS;

export const bodySha256 = (body: string) => createHash("sha256").update(body).digest("hex");

/** The SDK's HTTP client, sending to another base URL (a local fake in tests) instead of api.twilio.com. */
export function baseUrlClient(baseUrl: string, timeoutMs: number): twilio.RequestClient {
  const base = new URL(baseUrl);
  const client = new twilio.RequestClient({ timeout: timeoutMs, keepAlive: true });
  const request = client.request.bind(client);
  client.request = ((opts: Parameters<typeof request>[0]) => {
    const uri = new URL(opts.uri);
    uri.protocol = base.protocol;
    uri.host = base.host;
    uri.pathname = base.pathname.replace(/\/$/, "") + uri.pathname;
    return request({ ...opts, uri: uri.toString() });
  }) as typeof client.request;
  return client;
}

export interface TwilioOptions {
  accountSid: string;
  authToken: string;
  baseUrl?: string;
  /** Messages a second per sender number and for the account, reserved in PostgreSQL (every worker shares them). */
  numberMps: number;
  accountMps: number;
  timeoutMs?: number;
}

type Known = { scheduled_email_id: number; sid: string | null; handed_at: string; error_code: number | null; status: string | null; to_phone: string; body_sha256: string };

/**
 * Text messages through the official `twilio` SDK, one request a message
 * (Twilio has no batch endpoint and no idempotency key). Exactly-once comes
 * from Herald's own ledger, sms_messages (docs/decisions/041):
 *  - before each request a row is committed (handed_at); Twilio's SID is
 *    committed the moment it answers;
 *  - a retaken batch returns the stored SID of every message that has one
 *    and never asks Twilio again for it;
 *  - a message handed without a SID (the worker died or the call timed out
 *    mid-request) is looked up at Twilio by its number, sender and body hash
 *    since it was handed; found, its SID is adopted; not found, it was never
 *    accepted and is sent.
 * Rates: each message holds a slot of its sender number's and of the
 * account's rate, reserved cluster-wide in PostgreSQL like Resend's.
 */
export function twilioTransport(db: Database, options: TwilioOptions): Transport {
  const timeoutMs = options.timeoutMs ?? TWILIO_TIMEOUT_MS;
  const client = twilio(options.accountSid, options.authToken, {
    autoRetry: false,
    timeout: timeoutMs,
    ...(options.baseUrl ? { httpClient: baseUrlClient(options.baseUrl, timeoutMs) } : {}),
  });

  async function lookUp(message: OutgoingEmail, known: Known, signal?: AbortSignal): Promise<{ sid: string; status: string } | null> {
    const since = new Date(new Date(known.handed_at).getTime() - 60_000);
    let found: Awaited<ReturnType<typeof client.messages.list>>;
    try {
      found = await bounded(client.messages.list({ to: message.to, limit: 50 }), signal, timeoutMs);
    } catch (error) {
      throw toTransportError(error, "looking up a message handed before a crash");
    }
    const match = found.find((m) => m.body !== null && bodySha256(m.body) === known.body_sha256 && (!m.dateCreated || m.dateCreated >= since)
      && (m.from === message.from || m.messagingServiceSid === message.from));
    return match ? { sid: match.sid, status: match.status } : null;
  }

  return {
    name: "twilio",
    rateLimited: true,
    transactional: false,
    async send(messages, { signal }) {
      if (!messages.length) return [];
      const campaignId = messages[0]!.campaignId;
      const rows = await db.execute<Known>(sql`
        select scheduled_email_id, sid, handed_at::text, error_code, status, to_phone, body_sha256 from sms_messages
        where campaign_id = ${campaignId} and scheduled_email_id in (select x::bigint from jsonb_array_elements_text(${JSON.stringify(messages.map((m) => m.scheduledEmailId))}::jsonb) x)`);
      const known = new Map(rows.map((r) => [Number(r.scheduled_email_id), r]));
      const outcomes: EmailOutcome[] = new Array(messages.length);
      // The account-wide rate, for every message of the batch at once (one statement instead of one a message).
      const accountWait = await reserve(db, "twilio:account", options.accountMps, messages.filter((m) => !known.get(m.scheduledEmailId)?.sid).length || 1);
      if (accountWait > 0) await sleep(accountWait, signal);
      // Each sender number has its own rate: the numbers' queues go side by side, each in order.
      const queues = new Map<string, number[]>();
      messages.forEach((m, i) => queues.set(m.from, [...(queues.get(m.from) ?? []), i]));
      const settled = await Promise.allSettled([...queues.values()].map(async (indexes) => {
        for (const i of indexes) outcomes[i] = await sendOne(messages[i]!, known.get(messages[i]!.scheduledEmailId), campaignId, signal);
      }));
      const failed = settled.find((r): r is PromiseRejectedResult => r.status === "rejected");
      if (failed) throw failed.reason;
      return outcomes;
    },
  };

  async function sendOne(message: OutgoingEmail, before: Known | undefined, campaignId: number, signal?: AbortSignal): Promise<EmailOutcome> {
    if (signal?.aborted) throw new TransportError("abandoned the provider call for a pause", "retry", 0, null);
    if (before?.sid) return { ok: true, providerMessageId: before.sid };
    if (before && before.status === "refused") return { ok: false, error: `Twilio refused it (error ${before.error_code ?? "unknown"})` };
    if (before && Date.now() - new Date(before.handed_at).getTime() < IN_FLIGHT_MS) {
      // Handed moments ago and no answer stored: a live worker may be inside that request (a lease lost to a pause). Come back later.
      throw new TransportError("a text message of this batch may still be in flight at another worker", "retry", IN_FLIGHT_MS, null);
    }
    if (before) {
      const adopted = await lookUp(message, before, signal);
      if (adopted) {
        await db.execute(sql`update sms_messages set sid = ${adopted.sid}, status = coalesce(status, ${adopted.status}), updated_at = now() where campaign_id = ${campaignId} and scheduled_email_id = ${message.scheduledEmailId}`);
        return { ok: true, providerMessageId: adopted.sid };
      }
    }
    // The account's rate was reserved for the whole batch in send(); the number's, message by message.
    const wait = await reserve(db, `twilio:number:${message.from}`, options.numberMps);
    if (wait > 0) await sleep(wait, signal);
    // Committed before the request: from now on Twilio may have it, and a retake looks before it sends again.
    const handed = await db.execute(sql`
      insert into sms_messages (campaign_id, scheduled_email_id, run_id, to_phone, sender, body_sha256)
      values (${campaignId}, ${message.scheduledEmailId},
        coalesce((select e.run_id from scheduled_emails e where e.campaign_id = ${campaignId} and e.id = ${message.scheduledEmailId}), 0),
        ${message.to}, ${message.from}, ${bodySha256(message.text)})
      on conflict (campaign_id, scheduled_email_id) do update set handed_at = now(), updated_at = now()
        where sms_messages.sid is null and sms_messages.handed_at < now() - make_interval(secs => ${IN_FLIGHT_MS / 1000})`);
    if (!handed.count) throw new TransportError("a text message of this batch was just handed over by another worker", "retry", IN_FLIGHT_MS, null);
    const params = {
      to: message.to, body: message.text,
      ...(message.from.startsWith("MG") ? { messagingServiceSid: message.from } : { from: message.from }),
      ...(message.statusCallback ? { statusCallback: message.statusCallback } : {}),
    };
    try {
      const created = await bounded(client.messages.create(params), signal, timeoutMs);
      await db.execute(sql`update sms_messages set sid = ${created.sid}, status = coalesce(status, ${created.status}), updated_at = now() where campaign_id = ${campaignId} and scheduled_email_id = ${message.scheduledEmailId}`);
      return { ok: true, providerMessageId: created.sid };
    } catch (error) {
      const failure = toTransportError(error, "sending a text message");
      if (failure.kind === "rejected") {
        // A definite refusal of this message alone (an invalid or unreachable number…): it fails, the others go on.
        const code = (error as { code?: number }).code ?? null;
        await db.execute(sql`update sms_messages set status = 'refused', error_code = ${code}, updated_at = now() where campaign_id = ${campaignId} and scheduled_email_id = ${message.scheduledEmailId}`);
        return { ok: false, error: failure.message };
      }
      if (failure.kind === "retry" || failure.kind === "credentials") {
        // Twilio refused the request as a whole: nothing was accepted, nothing to look up later.
        await db.execute(sql`delete from sms_messages where campaign_id = ${campaignId} and scheduled_email_id = ${message.scheduledEmailId} and sid is null`);
      }
      throw failure;
    }
  }
}

async function bounded<T>(call: Promise<T>, signal: AbortSignal | undefined, timeoutMs: number): Promise<T> {
  const limit = signal ? AbortSignal.any([signal, AbortSignal.timeout(timeoutMs)]) : AbortSignal.timeout(timeoutMs);
  let onAbort: () => void = () => {};
  const aborted = new Promise<never>((_resolve, reject) => {
    onAbort = () => reject(new TransportError(signal?.aborted ? "abandoned the provider call for a pause" : `Twilio did not answer within ${timeoutMs / 1000} s`, signal?.aborted ? "retry" : "unavailable", 0, null));
    if (limit.aborted) onAbort();
    else limit.addEventListener("abort", onAbort, { once: true });
  });
  call.catch(() => {});
  try {
    return await Promise.race([call, aborted]);
  } finally {
    limit.removeEventListener("abort", onAbort);
  }
}

/**
 * Twilio's answers mapped onto the send path's rules: 429 (error 20429) and
 * 503 queue overflow: retry later; 401/403 (20003): credentials; other 4xx: a
 * definite refusal of this message (21211 invalid To, 21610 unsubscribed
 * recipient…); 5xx, timeouts and network errors: unknown for now.
 */
function toTransportError(error: unknown, doing: string): TransportError {
  if (error instanceof TransportError) return error;
  const e = error as { status?: number; code?: number; message?: string };
  const status = typeof e.status === "number" ? e.status : null;
  const message = `Twilio: ${e.message ?? String(error)}${e.code ? ` (error ${e.code})` : ""}${status ? ` (HTTP ${status})` : ""}`;
  if (status === 429) return new TransportError(message, "retry", 1000, status);
  if (status === 401 || status === 403) return new TransportError(message, "credentials", 0, status);
  if (status !== null && status >= 400 && status < 500 && status !== 408) return new TransportError(message, "rejected", 0, status);
  return new TransportError(status === null ? `Twilio did not answer while ${doing}: ${e.message ?? String(error)}` : message, "unavailable", 2000, status);
}
