import type { Transaction } from "../../db/client";

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
}

export type EmailOutcome = { ok: true; providerMessageId: string } | { ok: false; error: string };

/**
 * Why a whole batch did not go out. `retry`: nothing is known to be lost;
 * send the same batch again with the same idempotency key after `retryAfterMs`.
 * `credentials`: the provider refuses us; the run fails with the reason.
 * `rejected`: the request itself is invalid; every email of it fails.
 */
export class TransportError extends Error {
  constructor(
    message: string,
    public readonly kind: "retry" | "credentials" | "rejected",
    public readonly retryAfterMs = 0,
    public readonly status: number | null = null,
  ) {
    super(message);
    this.name = "TransportError";
  }
}

export interface Transport {
  readonly name: "outbox" | "resend";
  /** Whether calls are paced by the provider's cluster-wide rate limit. */
  readonly rateLimited: boolean;
  /** One outcome per email, in order. The transaction is the one that records the results. */
  send(emails: OutgoingEmail[], options: { idempotencyKey: string; tx: Transaction }): Promise<EmailOutcome[]>;
}
