import { sql } from "drizzle-orm";
import { pipelinedTransaction, type Transaction } from "../../db/client";
import { completeRunIfDone, failRun } from "../campaigns/lifecycle";
import { exclusiveWaiting, lockRunShared } from "../runs/locks";
import type { Services } from "../services";
import { ClaimCursor, claimBatch, refreshStatisticsFor, claimRows, decideBatch, deferBatch, forgetBatch, markHanded, pendingRowsOf, releaseRows, retakeBatch, type FixedBatch } from "./batch";
import type { CampaignForSending, TemplateRow } from "./compose";
import { circuitGate, recordProviderFailure, recordProviderSuccess } from "./health";
import { startHeartbeat } from "./lanes";
import { block, sleep, tryReserve } from "./rate-limit";
import { recordOutcomes, type Outcome } from "./record";
import { TransportError, type OutgoingEmail, type Transport } from "./transport";

/** The longest a lane sleeps for a slot inside its job; longer waits end the job, which is queued for the slot. */
const MAX_INLINE_WAIT_MS = 5_000;
/** Resend keeps an Idempotency-Key 24 h; a batch first handed over longer ago than this is not resent. */
const IDEMPOTENCY_WINDOW_MS = 23.5 * 3_600_000;
/** A pause waiting this long for the barrier makes a lane abandon its provider call. */
const PAUSE_PATIENCE_MS = 1_000;

export interface SendOptions {
  workerId: string;
  /** Stop starting new batches after this time (epoch ms). */
  deadline?: number;
  /** The worker is stopping: end like a deadline, before the next batch (and cut a throttle wait short). */
  signal?: AbortSignal;
  /** Send at most this many emails. */
  limit?: number;
  onBatch?(progress: { sent: number; failed: number; skipped: number }): void;
}

export type LaneOutcome = "completed" | "idle" | "waiting" | "stopped" | "failed" | "deadline" | "limit";

export interface LaneResult {
  outcome: LaneOutcome;
  sent: number;
  failed: number;
  skipped: number;
  batches: number;
  /** When there may be work again (for idle and waiting lanes). */
  nextAt: Date | null;
  reason?: string;
}

type RunState = {
  status: string;
  throttle_per_minute: number;
  from_name: string;
  from_email: string;
  reply_to: string | null;
};

/**
 * Sends what is due for one run, batch after batch, until nothing is due,
 * the run stops, or a limit is reached. Each batch:
 *  1. waits for the provider circuit to be closed and holds the provider's
 *     and the campaign's rate-limit slots (a lane never sleeps with rows claimed);
 *  2. retakes a batch whose worker stopped, or claims and fixes a new one
 *     (recipients, senders, rendered body and key, stored in one transaction);
 *  3. under the run's pause barrier: checks the run is still sending, hands the
 *     stored body to the transport with its key (bounded by a timeout), and
 *     records statuses, events and counters.
 * A heartbeat keeps the lane's leases alive meanwhile; a crash leaves the batch
 * `sending` and any worker resends the same bytes with the same key within
 * LEASE_SECONDS (docs/decisions/002 and 010).
 */
export async function sendRun(services: Services, transport: Transport, campaignId: number, runId: number, options: SendOptions): Promise<LaneResult> {
  const heartbeat = startHeartbeat(services.db, options.workerId, (error) => services.log.warn("lease heartbeat failed", { error: String(error) }));
  try {
    return await sendLoop(services, transport, campaignId, runId, options);
  } finally {
    heartbeat.stop();
  }
}

type Counts = { sent: number; failed: number; skipped: number };
/** What an outbox batch comes to: the run stopped, nothing to claim, or what it sent. */
type BatchOutcome = "stopped" | null | Counts;
const ignore = () => {};

/**
 * A lane's outbox batches, two deep: the next batch is claimed and rendered
 * while the one before it commits (its statements and COMMIT are on the
 * wire), so Node's rendering overlaps PostgreSQL's writing instead of
 * alternating with it. Each batch is still one transaction of its own under
 * the pause barrier; a batch is counted once its COMMIT has answered, and a
 * lane never ends with one still committing (docs/decisions/052).
 */
class CommitPipeline {
  private committing: { done: Promise<Counts>; size: number } | null = null;
  constructor(private readonly tally: (counts: Counts) => void) {}

  /** Emails requested by the batch still committing (counted against a lane's limit). */
  get inFlight() {
    return this.committing?.size ?? 0;
  }

  /**
   * Starts a batch and returns once it is committing ("committing", counted
   * later) or finished without committing (its result), the batch before it
   * settled in either case.
   */
  async next(size: number, start: (handed: () => void) => Promise<BatchOutcome>): Promise<BatchOutcome | "committing"> {
    let handed = false;
    let signal = ignore;
    const handedOff = new Promise<void>((resolve) => (signal = () => { handed = true; resolve(); }));
    const done = start(signal);
    await Promise.race([handedOff, done.then(ignore, ignore)]);
    try {
      await this.settle();
    } catch (error) {
      // The one before failed: this one commits or rolls back on its own, and is counted if it committed.
      const counts = await done.catch(() => null);
      if (handed && counts) this.tally(counts as Counts);
      throw error;
    }
    if (!handed) return done;
    // Handed over, it has rows: it answers with their counts.
    this.committing = { done: done as Promise<Counts>, size };
    return "committing";
  }

  /** Waits for the batch still committing, if any, and counts it. */
  async settle() {
    const batch = this.committing;
    if (!batch) return;
    this.committing = null;
    this.tally(await batch.done);
  }

  /** After an error: lets the batch still committing finish, whatever it answers. */
  async abandon() {
    await this.committing?.done.catch(ignore);
    this.committing = null;
  }
}

async function sendLoop(services: Services, transport: Transport, campaignId: number, runId: number, options: SendOptions): Promise<LaneResult> {
  const result: LaneResult = { outcome: "idle", sent: 0, failed: 0, skipped: 0, batches: 0, nextAt: null };
  const outbox = new CommitPipeline((counts) => {
    result.batches++;
    result.sent += counts.sent;
    result.failed += counts.failed;
    result.skipped += counts.skipped;
    options.onBatch?.({ sent: result.sent, failed: result.failed, skipped: result.skipped });
  });
  try {
    const end = await sendBatches(services, transport, campaignId, runId, options, result, outbox);
    await outbox.settle();
    // The counts as they are once the last batch has committed.
    return { ...end, sent: result.sent, failed: result.failed, skipped: result.skipped, batches: result.batches };
  } catch (error) {
    await outbox.abandon();
    throw error;
  }
}

async function sendBatches(services: Services, transport: Transport, campaignId: number, runId: number, options: SendOptions, result: LaneResult, outbox: CommitPipeline): Promise<LaneResult> {
  const { db, config } = services;
  const [{ steps } = { steps: 1 }] = await db.execute<{ steps: number }>(sql`select coalesce(max(step_number), 1)::int as steps from sequence_steps where campaign_id = ${campaignId}`);
  await refreshStatisticsFor(db, campaignId, runId);
  const waiting = (ms: number, reason?: string): LaneResult => ({ ...result, outcome: "waiting", nextAt: new Date(Date.now() + Math.max(ms, 50)), reason });
  let state: RunState | undefined;
  // The run's template copies never change (run_steps): a lane loads each one once.
  const templates = new Map<number, TemplateRow>();
  // Throttle units this lane has reserved and not yet used.
  let banked = 0;
  // Where this lane's claims have reached in the run, so a claim does not walk the emails already sent.
  const cursor = new ClaimCursor();
  for (let iteration = 0; ; iteration++) {
    if ((options.deadline && Date.now() > options.deadline) || options.signal?.aborted) return { ...result, outcome: "deadline" };
    const remaining = options.limit !== undefined ? options.limit - result.sent - result.failed - result.skipped - outbox.inFlight : Infinity;
    if (remaining <= 0) return { ...result, outcome: "limit" };

    // The run's settings, read once and then every 50 batches (each batch re-checks the status under the barrier).
    if (!state || state.status !== "SENDING" || iteration % 50 === 0) {
      state = await activateAndRead(services, campaignId, runId);
      if (!state || state.status !== "SENDING") {
        const scheduled = state?.status === "SCHEDULED";
        return { ...result, outcome: scheduled ? "idle" : "stopped", nextAt: scheduled ? await nextDue(services, campaignId, runId) : null };
      }
    }
    const campaign: CampaignForSending & { steps: number } = { id: campaignId, runId, fromName: state.from_name, fromEmail: state.from_email, replyTo: state.reply_to, steps };

    if (transport.rateLimited) {
      // An open circuit stops every lane of every worker from claiming; one lane probes when it is time.
      const gate = await circuitGate(db, transport.name);
      if (gate.state === "open") return { ...result, outcome: "waiting", nextAt: gate.retryAt, reason: "the provider is unavailable" };
      const slot = await tryReserve(db, `provider:${transport.name}`, config.RESEND_RPS, 1, MAX_INLINE_WAIT_MS);
      if (!slot.held) return waiting(slot.waitMs, "waiting for the provider's rate limit");
      await sleep(slot.waitMs, options.signal);
    }

    // Outbox batches are never left behind by a crash (one transaction each): their lanes look for leased leftovers only every 50 batches.
    let batch = !transport.transactional || iteration % 50 === 0 ? await retakeBatch(services, campaign, options.workerId) : null;
    if (!batch) {
      // About one second of the campaign's throttle per batch, so a slow campaign trickles instead of bursting.
      const size = Math.min(config.SEND_BATCH_SIZE, Math.max(1, Math.ceil(state.throttle_per_minute / 60)), remaining);
      if (banked < size) {
        // A fast throttle is reserved up to ten batches (and at most one second of it) at a time: one reservation, not one a batch.
        const ahead = Math.max(size, Math.min(10 * size, Math.floor(state.throttle_per_minute / 60)));
        const throttle = await tryReserve(db, `campaign:${campaignId}`, state.throttle_per_minute / 60, ahead, MAX_INLINE_WAIT_MS);
        if (!throttle.held) return waiting(throttle.waitMs, "waiting for the campaign's throttle");
        await sleep(throttle.waitMs, options.signal);
        banked += ahead;
      }
      banked -= size;
      const overlapped = outbox.inFlight > 0;
      const claimed = transport.transactional
        ? await outbox.next(size, (handed) => sendInOneTransaction(services, transport, campaign, size, options.workerId, templates, cursor, handed))
        : await claimBatch(services, campaign, size, options.workerId, cursor);
      // Committing: counted once its COMMIT answers (CommitPipeline); the next batch is claimed meanwhile.
      if (claimed === "committing") continue;
      // Nothing claimable beside a batch that was committing: now committed, it may have made more due (a sequence's next step).
      if (!claimed && overlapped) continue;
      if (claimed === "stopped") return { ...result, outcome: "stopped" };
      if (!claimed) {
        if (await completeRunIfDone(db, campaignId, runId)) return { ...result, outcome: "completed" };
        return { ...result, outcome: "idle", nextAt: await nextDue(services, campaignId, runId) };
      }
      if (!("key" in claimed)) {
        // Sent and recorded already (the outbox).
        result.batches++;
        result.sent += claimed.sent;
        result.failed += claimed.failed;
        result.skipped += claimed.skipped;
        options.onBatch?.({ sent: result.sent, failed: result.failed, skipped: result.skipped });
        continue;
      }
      batch = claimed;
    }
    result.skipped += batch.skipped;
    if (!batch.emails.length) continue;

    try {
      const outcome = await db.transaction(async (tx) => sendBatch(tx, services, transport, campaign, batch, options.workerId));
      if (outcome === "stopped") return { ...result, outcome: "stopped" };
      if (transport.rateLimited) await recordProviderSuccess(db, transport.name);
      result.batches++;
      result.sent += outcome.sent;
      result.failed += outcome.failed;
      result.skipped += outcome.skipped;
      options.onBatch?.({ sent: result.sent, failed: result.failed, skipped: result.skipped });
    } catch (error) {
      if (!(error instanceof TransportError)) throw error;
      const handled = await handleTransportError(services, transport, campaign, batch, options.workerId, error);
      if (handled === "failed") return { ...result, outcome: "failed", reason: error.message };
      if (handled !== "recorded") return { ...result, outcome: "waiting", nextAt: handled, reason: error.message };
      result.batches++;
    }
  }
}

/**
 * A transactional transport (the outbox): claim, render, hand over and record
 * in ONE transaction under the pause barrier. A crash rolls all of it back,
 * so there is no body to store, no hand-over to mark and nothing to retake,
 * and a batch costs one commit (decision 022). `handed` is called once the
 * writes and COMMIT are on the wire: the lane may claim its next batch.
 */
async function sendInOneTransaction(
  services: Services, transport: Transport, campaign: CampaignForSending & { steps: number }, size: number, workerId: string, templates: Map<number, TemplateRow>, cursor: ClaimCursor, handed: () => void,
): Promise<BatchOutcome> {
  return pipelinedTransaction(services.db, async (tx, commit) => {
    const rows = await claimRows(tx, campaign, size, workerId, false, cursor);
    if (rows === "stopped" || !rows.length) return rows === "stopped" ? "stopped" : null;
    const { skipped, sendable, senderIds, emails } = await decideBatch(tx, services, campaign, rows, templates, false);
    const writes: Array<() => Promise<unknown>> = [];
    const results = emails.length ? await transport.send(emails, { idempotencyKey: rows[0]!.key, tx, writes }) : [];
    const outcomes: Outcome[] = [...skipped];
    results.forEach((r, i) => {
      const row = sendable[i]!;
      outcomes.push(r.ok ? { row, kind: "sent", providerMessageId: r.providerMessageId, senderId: senderIds[i]! } : { row, kind: "failed", error: r.error, senderId: senderIds[i]! });
    });
    // The recording, then the transport's writes (decision 052), then COMMIT: sent one behind the other, without waiting.
    const recorded = recordOutcomes(tx, campaign.id, campaign.runId, workerId, outcomes, { hasLaterSteps: outcomes.some((o) => o.kind === "sent" && o.row.step_number < campaign.steps), leased: false });
    const committed = commit([recorded, ...writes.map((write) => write())]);
    handed();
    const [counts] = await committed;
    return counts;
  });
}

/** Turns a scheduled run into a sending one once its first email is due, and reads what the loop needs. */
async function activateAndRead(services: Services, campaignId: number, runId: number): Promise<RunState | undefined> {
  const { db } = services;
  const [activated] = await db.execute<RunState>(sql`
    update campaign_runs r set status = 'SENDING', started_at = coalesce(r.started_at, now()), updated_at = now()
    from campaigns c
    where r.campaign_id = ${campaignId} and r.id = ${runId} and c.id = r.campaign_id
      and r.status = 'SCHEDULED' and exists (select 1 from scheduled_emails e where e.campaign_id = r.campaign_id and e.run_id = r.id and e.status = 'pending' and e.scheduled_for <= now())
    returning r.status, c.throttle_per_minute, c.from_name, c.from_email, c.reply_to`);
  if (activated) {
    await db.execute(sql`update campaigns set status = 'running', status_changed_at = now(), status_source = 'job', version = version + 1, updated_at = now() where id = ${campaignId} and status = 'scheduled' and current_run_id = ${runId}`);
    return activated;
  }
  const [state] = await db.execute<RunState>(sql`
    select r.status, c.throttle_per_minute, c.from_name, c.from_email, c.reply_to
    from campaign_runs r join campaigns c on c.id = r.campaign_id where r.campaign_id = ${campaignId} and r.id = ${runId}`);
  return state;
}


async function nextDue(services: Services, campaignId: number, runId: number): Promise<Date | null> {
  const [row] = await services.db.execute<{ at: string | null }>(sql`
    select least(
      (select min(scheduled_for) from scheduled_emails where campaign_id = ${campaignId} and run_id = ${runId} and status = 'pending'),
      (select min(locked_until) from scheduled_emails where campaign_id = ${campaignId} and run_id = ${runId} and status = 'sending')
    ) as at`);
  return row?.at ? new Date(row.at) : null;
}


/** Hands one fixed batch to the transport under the pause barrier and records what it answered. */
async function sendBatch(
  tx: Transaction, services: Services, transport: Transport, campaign: CampaignForSending & { steps: number }, batch: FixedBatch, workerId: string,
): Promise<"stopped" | { sent: number; failed: number; skipped: number }> {
  await lockRunShared(tx, campaign.runId);
  const [run] = await tx.execute<{ status: string }>(sql`select status from campaign_runs where campaign_id = ${campaign.id} and id = ${campaign.runId}`);
  const rows = await pendingRowsOf(tx, campaign.id, batch.key, workerId);
  if (run?.status !== "SENDING") {
    if (!batch.handedAt) {
      // Paused or cancelled before any provider saw it: the emails go back.
      await releaseRows(tx, campaign.id, [...rows.keys()], run?.status === "PAUSED" ? "paused" : "cancelled");
      await forgetBatch(tx, campaign.id, batch.key);
    } else {
      // The provider may have it: it stays one batch, retaken with its key after a resume.
      await deferBatch(tx, campaign.id, batch.key, null, null);
    }
    return "stopped";
  }
  const outcomes: Outcome[] = [];
  let emails = batch.emails;
  if (!batch.handedAt) {
    // Last look before the first hand-over: an address suppressed since the claim is dropped. Afterwards the body never changes.
    const suppressed = new Set((await tx.execute<{ email: string }>(sql`
      select lower(email) as email from suppressions
      where lower(email) in (select lower(x) from jsonb_array_elements_text(${JSON.stringify(emails.map((e) => e.to))}::jsonb) x)
      -- A text's number that texted STOP since the claim (decision 044).
      union all select phone from phone_suppressions where phone in (select x from jsonb_array_elements_text(${JSON.stringify(emails.filter((e) => e.channel === "sms").map((e) => e.to))}::jsonb) x)`)).map((r) => r.email));
    if (suppressed.size) emails = emails.filter((e) => !suppressed.has(e.to.toLowerCase()));
    await markHanded(services.db, campaign.id, batch, emails);
  } else if (Date.now() - batch.handedAt.getTime() > IDEMPOTENCY_WINDOW_MS) {
    // The provider has forgotten the key: resending could duplicate, not resending could lose. Say so.
    for (const row of rows.values()) outcomes.push({ row, kind: "unknown", error: "first handed to the provider more than 24 h ago; whether it was accepted cannot be known", senderId: row.sender_id });
    const counts = await recordOutcomes(tx, campaign.id, campaign.runId, workerId, outcomes, { hasLaterSteps: false });
    await forgetBatch(tx, campaign.id, batch.key);
    return counts;
  }

  const results = emails.length ? await callTransport(services, transport, campaign.runId, batch, emails, tx) : [];
  const answered = new Set<number>();
  results.forEach((r, i) => {
    const row = rows.get(emails[i]!.scheduledEmailId);
    if (!row) return;
    answered.add(row.id);
    outcomes.push(r.ok ? { row, kind: "sent", providerMessageId: r.providerMessageId, senderId: row.sender_id } : { row, kind: "failed", error: r.error, senderId: row.sender_id });
  });
  // Dropped before the first hand-over (suppressed meanwhile): never sent.
  for (const row of rows.values()) if (!answered.has(row.id)) outcomes.push({ row, kind: "skipped", error: "address is suppressed" });
  const counts = await recordOutcomes(tx, campaign.id, campaign.runId, workerId, outcomes, { hasLaterSteps: outcomes.some((o) => o.row.step_number < campaign.steps) });
  await forgetBatch(tx, campaign.id, batch.key);
  return counts;
}

/** The provider call, bounded: the transport's own timeout, and abandoned if a pause waits for the barrier. */
async function callTransport(services: Services, transport: Transport, runId: number, batch: FixedBatch, emails: OutgoingEmail[], tx: Transaction) {
  const controller = new AbortController();
  let checking = false;
  const watch = setInterval(() => {
    if (checking) return;
    checking = true;
    exclusiveWaiting(services.db, runId, PAUSE_PATIENCE_MS)
      .then((waiting) => { if (waiting) controller.abort(new Error("pause")); })
      .catch(() => {})
      .finally(() => { checking = false; });
  }, 250);
  try {
    // A retake hands over exactly the stored bytes.
    return await transport.send(batch.handedAt && emails === batch.emails ? (JSON.parse(batch.payload) as OutgoingEmail[]) : emails, { idempotencyKey: batch.key, tx, signal: controller.signal });
  } catch (error) {
    if (controller.signal.aborted && error instanceof TransportError) throw new TransportError("abandoned the provider call for a pause", "retry", 0, null);
    throw error;
  } finally {
    clearInterval(watch);
  }
}

/** What a batch without an answer becomes: "failed" (the run failed), "recorded", or when to try it again. */
async function handleTransportError(services: Services, transport: Transport, campaign: CampaignForSending, batch: FixedBatch, workerId: string, error: TransportError): Promise<"failed" | "recorded" | Date> {
  const { db, log } = services;
  const context = { campaignId: campaign.id, runId: campaign.runId, status: error.status, error: error.message };
  if (error.kind === "credentials") {
    log.error("the provider refused Herald's credentials: the run fails", context);
    await db.transaction(async (tx) => {
      await lockRunShared(tx, campaign.runId);
      await failRun(tx, campaign.id, campaign.runId, error.message);
    });
    return "failed";
  }
  if (error.kind === "rejected" || error.kind === "unknown") {
    // Only a definite refusal fails a recipient; a 409 on the key leaves the outcome unknown.
    if (error.kind === "unknown") log.error("the provider will not say what became of a batch: recorded as unknown", context);
    await db.transaction(async (tx) => {
      await lockRunShared(tx, campaign.runId);
      const rows = await pendingRowsOf(tx, campaign.id, batch.key, workerId);
      await recordOutcomes(tx, campaign.id, campaign.runId, workerId, [...rows.values()].map((row): Outcome => (error.kind === "unknown"
        ? { row, kind: "unknown", error: error.message, senderId: row.sender_id }
        : { row, kind: "failed", error: error.message, senderId: row.sender_id })), { hasLaterSteps: false });
      await forgetBatch(tx, campaign.id, batch.key);
    });
    return "recorded";
  }
  if (error.kind === "unavailable") {
    // Outcome unknown for now: the same bytes go again with the same key once the circuit lets a lane try.
    const retryAt = await recordProviderFailure(db, transport.name, error.message);
    await deferBatch(db, campaign.id, batch.key, retryAt, error.message);
    log.warn("the provider did not answer a batch; it will be retaken with the same key", { ...context, retryAt });
    return retryAt;
  }
  if (error.status === 429 && transport.rateLimited) await block(db, `provider:${transport.name}`, error.retryAfterMs);
  const retryAt = new Date(Date.now() + error.retryAfterMs);
  await deferBatch(db, campaign.id, batch.key, retryAt, error.status ? error.message : null);
  return retryAt;
}
