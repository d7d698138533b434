import type { Executor } from "../../db/client";

export interface OutgoingEmail {
  campaignId: number;
  scheduledEmailId: number;
  from: string;
  to: string;
  replyTo: string | null;
  subject: string;
  html: string;
  text: string;
  headers: Record<string, string>;
  tags: Array<{ name: string; value: string }>;
  /** sms: `to` is an E.164 number, `from` a sender number or Messaging Service SID, `text` the body (server/sms/compose.ts). */
  channel?: "email" | "sms";
  /** SMS only: where Twilio posts this message's status changes (signed; server/sms/webhooks.ts). */
  statusCallback?: string;
}

export type EmailOutcome = { ok: true; providerMessageId: string } | { ok: false; error: string };

/**
 * Why a whole batch has no answer. `retry`: the provider asked us to slow down
 * (429, a concurrent request under the key); send the same batch again with
 * the same key after `retryAfterMs`. `unavailable`: 5xx, timeout or network
 * error, the outcome is unknown for now; the same batch goes again with the
 * same key, and repeated ones open the provider circuit. `unknown`: the
 * provider will never tell (409 on the key); recorded as unknown, never failed.
 * `credentials`: the provider refuses us; the run fails with the reason.
 * `rejected`: a definite refusal of the request; every email of it fails.
 */
export class TransportError extends Error {
  constructor(
    message: string,
    public readonly kind: "retry" | "unavailable" | "unknown" | "credentials" | "rejected",
    public readonly retryAfterMs = 0,
    public readonly status: number | null = null,
  ) {
    super(message);
    this.name = "TransportError";
  }
}

export interface Transport {
  readonly name: "outbox" | "resend" | "twilio";
  /** Whether calls are paced by the provider's cluster-wide rate limit. */
  readonly rateLimited: boolean;
  /**
   * Whether `send` only writes in Herald's own database, in the transaction it
   * is given (the outbox). Such a batch is claimed, sent and recorded in one
   * transaction: a crash rolls all of it back, so there is nothing to retake.
   */
  readonly transactional: boolean;
  /**
   * One outcome per email, in order. The transaction is the one that records
   * the results; `signal` aborts the call (a timeout or a waiting pause).
   * `writes` (transactional transports): the transport may answer without
   * running its statements and leave them here, to be started by the caller
   * on `tx` right behind the recording and awaited with it before committing.
   * The recording goes first: it locks the counter rows of the campaign, so
   * the foreign-key checks of the transport's rows find that row locked by
   * their own transaction (decision 052).
   */
  send(emails: OutgoingEmail[], options: { idempotencyKey: string; tx: Executor; signal?: AbortSignal; writes?: Array<() => Promise<unknown>> }): Promise<EmailOutcome[]>;
}
