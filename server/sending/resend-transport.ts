import { Resend } from "resend";
import { TransportError, type EmailOutcome, type Transport } from "./transport";

interface ResendErrorBody {
  statusCode?: number | null;
  name?: string;
  message?: string;
}

/**
 * Resend's batch endpoint through the official SDK: up to 100 emails a call,
 * an Idempotency-Key per batch, permissive validation so one bad address fails
 * alone. The SDK never throws on HTTP errors and never retries; this maps its
 * `{data, error, headers}` onto outcomes or a TransportError.
 */
/** No batch call may hang longer than this: a timeout is "outcome unknown", retaken with the same key. */
export const PROVIDER_TIMEOUT_MS = 15_000;

export function resendTransport(apiKey: string, baseUrl?: string, options: { timeoutMs?: number } = {}): Transport {
  const timeoutMs = options.timeoutMs ?? PROVIDER_TIMEOUT_MS;
  const client = new Resend(apiKey, baseUrl ? { baseUrl: baseUrl.replace(/\/$/, "") } : undefined);
  return {
    name: "resend",
    rateLimited: true,
    transactional: false,
    async send(emails, { idempotencyKey, signal }) {
      if (!emails.length) return [];
      const payload = emails.map((e) => ({
        from: e.from, to: [e.to], subject: e.subject, html: e.html, text: e.text,
        ...(e.replyTo ? { replyTo: e.replyTo } : {}), headers: e.headers, tags: e.tags,
      }));
      const bounded = signal ? AbortSignal.any([signal, AbortSignal.timeout(timeoutMs)]) : AbortSignal.timeout(timeoutMs);
      const result = await boundedCall(client.batch.send(payload, { idempotencyKey, batchValidation: "permissive", signal: bounded } as Parameters<typeof client.batch.send>[1]), bounded, timeoutMs);
      if (result.error) throw toTransportError(result.error as ResendErrorBody, result.headers);
      const body = result.data as unknown as { data?: Array<{ id: string }>; errors?: Array<{ index: number; message: string }> };
      const errors = new Map((body.errors ?? []).map((e) => [e.index, e.message]));
      const ids = [...(body.data ?? [])];
      return emails.map((_e, index): EmailOutcome => {
        const error = errors.get(index);
        if (error !== undefined) return { ok: false, error };
        const next = ids.shift();
        return next ? { ok: true, providerMessageId: next.id } : { ok: false, error: "Resend accepted the batch but returned no id for this email" };
      });
    },
  };
}

/** The SDK passes the signal to fetch; the race makes sure no call outlives it even if a layer ignores it. */
async function boundedCall<T>(call: Promise<T>, signal: AbortSignal, timeoutMs: number): Promise<T> {
  const aborted = new Promise<never>((_resolve, reject) => {
    const fail = () => reject(new TransportError(signal.reason instanceof Error && signal.reason.name === "TimeoutError"
      ? `Resend did not answer within ${timeoutMs / 1000} s` : "the call was abandoned for a pause", "unavailable", 0, null));
    if (signal.aborted) fail();
    else signal.addEventListener("abort", fail, { once: true });
  });
  try {
    return await Promise.race([call, aborted]);
  } catch (error) {
    if (error instanceof TransportError) throw error;
    if (signal.aborted) throw new TransportError(`Resend did not answer within ${timeoutMs / 1000} s`, "unavailable", 0, null);
    throw error;
  }
}

function toTransportError(error: ResendErrorBody, headers: Record<string, string> | null): TransportError {
  const status = error.statusCode ?? null;
  const message = `Resend: ${error.message ?? error.name ?? "unknown error"}${status ? ` (HTTP ${status})` : ""}`;
  const retryAfter = Number(headers?.["retry-after"]);
  if (status === 429) {
    if (error.name === "daily_quota_exceeded") return new TransportError(message, "retry", 3_600_000, status);
    if (error.name === "monthly_quota_exceeded") return new TransportError(message, "credentials", 0, status);
    return new TransportError(message, "retry", Number.isFinite(retryAfter) && retryAfter > 0 ? retryAfter * 1000 : 1000, status);
  }
  if (status === 409 && error.name === "concurrent_idempotent_requests") return new TransportError(message, "retry", 1000, status);
  // The key was used with another body: Resend will never say what became of this batch.
  if (status === 409) return new TransportError(message, "unknown", 0, status);
  if (status === 401 || status === 403) return new TransportError(message, "credentials", 0, status);
  if (status === null || status >= 500 || status === 408) return new TransportError(message, "unavailable", 2000, status);
  return new TransportError(message, "rejected", 0, status);
}
