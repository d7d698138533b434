import { sql, type SQL } from "drizzle-orm";
import type { Executor, Transaction } from "../../db/client";
import { completeRunIfDone, failRun } from "../campaigns/lifecycle";
import { lockRunShared } from "../runs/locks";
import type { Services } from "../services";
import { assignSenders, composeEmail, sendersWithCapacity, type BatchRow, type CampaignForSending, type TemplateRow } from "./compose";
import { block, reserve, sleep } from "./rate-limit";
import { recordOutcomes, type Outcome } from "./record";
import { TransportError, type Transport } from "./transport";

/** A claimed batch stays ours this long; after that another worker retries it as the same batch. */
const LEASE = "5 minutes";
/** Give up on a batch the provider keeps refusing with retryable errors after this many attempts. */
const MAX_ATTEMPTS = 10;
/** Longer waits end the job; it is re-queued for when sending can continue. */
const MAX_INLINE_WAIT_MS = 5_000;

export interface SendOptions {
  workerId: string;
  /** Stop starting new batches after this time (epoch ms). */
  deadline?: number;
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
 *  1. claims up to 100 due emails with FOR UPDATE SKIP LOCKED and stamps them
 *     with an idempotency key derived from their ids (committed: they are now
 *     `sending`, leased to this worker);
 *  2. in one transaction holding the run's pause barrier: checks the run is
 *     still sending, skips suppressed or replied recipients, hands the batch to
 *     the transport with its key, and records statuses, events and counters.
 * A crash after step 1 leaves the batch `sending`; when its lease expires any
 * worker resends exactly that batch with the same key, so the provider
 * answers from its idempotency cache and nothing goes out twice.
 */
export async function sendRun(services: Services, transport: Transport, campaignId: number, runId: number, options: SendOptions): Promise<LaneResult> {
  const { db, config } = services;
  const result: LaneResult = { outcome: "idle", sent: 0, failed: 0, skipped: 0, batches: 0, nextAt: null };
  const templates = await loadTemplates(services, campaignId);
  const [{ steps } = { steps: 1 }] = await db.execute<{ steps: number }>(sql`select coalesce(max(step_number), 1)::int as steps from sequence_steps where campaign_id = ${campaignId}`);
  let senderOffset = Math.floor(Math.random() * 1000);
  let state: RunState | undefined;
  let senders: Awaited<ReturnType<typeof sendersWithCapacity>> | null = null;
  for (let iteration = 0; ; iteration++) {
    if (options.deadline && Date.now() > options.deadline) return { ...result, outcome: "deadline" };
    const remaining = options.limit !== undefined ? options.limit - result.sent - result.failed - result.skipped : Infinity;
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

    // About one second of the campaign's throttle per batch, so a slow campaign trickles instead of bursting.
    const size = Math.min(config.SEND_BATCH_SIZE, Math.max(1, Math.ceil(state.throttle_per_minute / 60)), remaining);
    const throttleWait = await reserve(db, `campaign:${campaignId}`, state.throttle_per_minute / 60, size);
    if (throttleWait > MAX_INLINE_WAIT_MS) return { ...result, outcome: "waiting", nextAt: new Date(Date.now() + throttleWait) };
    await sleep(throttleWait);

    const batch = (await retakeExpiredBatch(services, campaignId, runId, options.workerId)) ?? (await claimBatch(services, campaignId, runId, size, options.workerId));
    if (!batch) {
      if (await completeRunIfDone(db, campaignId, runId)) return { ...result, outcome: "completed" };
      return { ...result, outcome: "idle", nextAt: await nextDue(services, campaignId, runId) };
    }

    if (transport.rateLimited) await sleep(await reserve(db, `provider:${transport.name}`, config.RESEND_RPS));

    // Sender identities: looked up once; with some, their remaining caps are re-read every batch.
    if (senders === null || senders.length) senders = await sendersWithCapacity(db, campaignId);
    let assigned = senders.length ? assignSenders(batch.rows.length, senders, senderOffset) : batch.rows.map(() => null);
    senderOffset += batch.rows.length;
    if (senders.length && assigned.some((s) => s === null) && batch.fresh) {
      // Every identity reached its daily cap: these emails go back until tomorrow (UTC).
      const capped = batch.rows.filter((_r, i) => assigned[i] === null).map((r) => r.id);
      await releaseRows(db, campaignId, capped, "pending", sql`date_trunc('day', now() at time zone 'UTC') at time zone 'UTC' + interval '1 day'`);
      batch.rows = batch.rows.filter((_r, i) => assigned[i] !== null);
      assigned = assigned.filter((s) => s !== null);
      if (!batch.rows.length) return { ...result, outcome: "waiting", nextAt: await nextDue(services, campaignId, runId) };
    }

    try {
      const outcome = await db.transaction(async (tx) => sendBatch(tx, services, transport, campaign, batch, assigned, templates, options.workerId));
      if (outcome === "stopped") return { ...result, outcome: "stopped" };
      result.batches++;
      result.sent += outcome.sent;
      result.failed += outcome.failed;
      result.skipped += outcome.skipped;
      options.onBatch?.({ sent: result.sent, failed: result.failed, skipped: result.skipped });
    } catch (error) {
      if (!(error instanceof TransportError)) throw error;
      const handled = await handleTransportError(services, transport, campaign, batch, options.workerId, error);
      if (handled === "failed") return { ...result, outcome: "failed", reason: error.message };
      if (handled === "retry") return { ...result, outcome: "waiting", nextAt: new Date(Date.now() + Math.max(error.retryAfterMs, 1000)), reason: error.message };
      result.batches++;
      result.failed += batch.rows.length;
    }
  }
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

interface ClaimedBatch {
  key: string;
  rows: BatchRow[];
  /** Claimed just now and never handed to a provider: safe to put back if the run stopped. */
  fresh: boolean;
}

async function claimBatch(services: Services, campaignId: number, runId: number, size: number, workerId: string): Promise<ClaimedBatch | null> {
  // Claims, stamps and returns what rendering needs, in one statement.
  const rows = await services.db.execute<BatchRow & { key: string }>(sql`
    with due as (
      select e.campaign_id, e.id from scheduled_emails e
      where e.campaign_id = ${campaignId} and e.run_id = ${runId} and e.status = 'pending' and e.scheduled_for <= now()
        -- A step waits until the recipient's previous step is done (and that one waited for its own).
        -- An exact-key lookup per row: the planner cannot turn it into a scan of the campaign.
        and (e.step_number = 1 or not exists (
          select 1 from scheduled_emails p
          where p.campaign_id = e.campaign_id and p.recipient_id = e.recipient_id and p.step_number = e.step_number - 1
            and p.status in ('pending', 'paused', 'sending')))
      order by e.scheduled_for, e.id
      limit ${size}
      for update skip locked
    ), batch as (
      select 'herald-' || encode(sha256(convert_to(string_agg(id::text, ',' order by id), 'UTF8')), 'hex') as key from due having count(*) > 0
    ), claimed as (
      update scheduled_emails e
      set status = 'sending', locked_by = ${workerId}, locked_until = now() + interval '${sql.raw(LEASE)}', attempts = e.attempts + 1,
          idempotency_key = batch.key, updated_at = now()
      from due, batch
      where e.campaign_id = due.campaign_id and e.id = due.id
      returning e.campaign_id, e.id, e.recipient_id, e.step_number, e.template_id, e.attempts, batch.key
    )
    select c.key, c.id, c.recipient_id, c.step_number, c.template_id, c.attempts, r.email, r.replied_at, st.stop_on_reply,
           l.first_name, l.last_name, l.company, l.attributes
    from claimed c
    join run_recipients r on r.campaign_id = c.campaign_id and r.id = c.recipient_id
    join leads l on l.id = r.lead_id
    join sequence_steps st on st.campaign_id = c.campaign_id and st.step_number = c.step_number
    order by c.id`);
  if (!rows.length) return null;
  return { key: rows[0]!.key, rows, fresh: true };
}

/** A batch whose worker died (lease expired) is resent whole, with its original key. */
async function retakeExpiredBatch(services: Services, campaignId: number, runId: number, workerId: string): Promise<ClaimedBatch | null> {
  const [candidate] = await services.db.execute<{ key: string }>(sql`
    select idempotency_key as key from scheduled_emails
    where campaign_id = ${campaignId} and run_id = ${runId} and status = 'sending' and locked_until < now()
    limit 1`);
  if (!candidate) return null;
  const taken = await services.db.execute(sql`
    update scheduled_emails set locked_by = ${workerId}, locked_until = now() + interval '${sql.raw(LEASE)}', attempts = attempts + 1, updated_at = now()
    where campaign_id = ${campaignId} and idempotency_key = ${candidate.key} and status = 'sending' and locked_until < now()
    returning 1`);
  if (!taken.length) return null;
  services.log.warn("resending a batch whose worker stopped before recording it", { campaignId, runId, emails: taken.length });
  return { key: candidate.key, rows: await batchRows(services, campaignId, candidate.key), fresh: false };
}

async function batchRows(services: Services, campaignId: number, key: string): Promise<BatchRow[]> {
  return services.db.execute<BatchRow>(sql`
    select e.id, e.recipient_id, e.step_number, e.template_id, e.attempts, r.email, r.replied_at, st.stop_on_reply,
           l.first_name, l.last_name, l.company, l.attributes
    from scheduled_emails e
    join run_recipients r on r.campaign_id = e.campaign_id and r.id = e.recipient_id
    join leads l on l.id = r.lead_id
    join sequence_steps st on st.campaign_id = e.campaign_id and st.step_number = e.step_number
    where e.campaign_id = ${campaignId} and e.idempotency_key = ${key} and e.status = 'sending'
    order by e.id`) as unknown as Promise<BatchRow[]>;
}

async function sendBatch(
  tx: Transaction, services: Services, transport: Transport, campaign: CampaignForSending & { steps: number }, batch: ClaimedBatch,
  senders: ReturnType<typeof assignSenders>, templates: Map<number, TemplateRow>, workerId: string,
): Promise<"stopped" | { sent: number; failed: number; skipped: number }> {
  await lockRunShared(tx, campaign.runId);
  // The run's status under the barrier, and which of these addresses were suppressed since the run started.
  const [run] = await tx.execute<{ status: string; suppressed: string[] | null }>(sql`
    select status, (select array_agg(lower(s.email)) from suppressions s
                    where lower(s.email) in (select lower(x) from jsonb_array_elements_text(${JSON.stringify(batch.rows.map((r) => r.email))}::jsonb) x)) as suppressed
    from campaign_runs where campaign_id = ${campaign.id} and id = ${campaign.runId}`);
  if (run?.status !== "SENDING") {
    // Paused or cancelled after the claim: nothing of this batch reaches the provider.
    if (batch.fresh) await releaseRows(tx, campaign.id, batch.rows.map((r) => r.id), run?.status === "PAUSED" ? "paused" : "cancelled");
    return "stopped";
  }
  const suppressed = new Set(run.suppressed ?? []);
  const outcomes: Outcome[] = [];
  const toSend: Array<{ row: BatchRow; index: number }> = [];
  batch.rows.forEach((row, index) => {
    if (suppressed.has(row.email.toLowerCase())) outcomes.push({ row, kind: "skipped", error: "address is suppressed" });
    else if (row.replied_at && row.stop_on_reply) outcomes.push({ row, kind: "skipped", error: "recipient replied" });
    else toSend.push({ row, index });
  });

  if (toSend.length) {
    await ensureTemplates(tx, templates, batch.rows);
    const emails = toSend.map(({ row, index }) => composeEmail(row, templates.get(row.template_id)!, campaign, senders[index] ?? null, services.config.publicUrl, services.secret));
    const results = await transport.send(emails, { idempotencyKey: batch.key, tx });
    results.forEach((r, i) => {
      const { row, index } = toSend[i]!;
      outcomes.push(r.ok
        ? { row, kind: "sent", providerMessageId: r.providerMessageId, senderId: senders[index]?.id ?? null }
        : { row, kind: "failed", error: r.error, senderId: senders[index]?.id ?? null });
    });
  }
  return recordOutcomes(tx, campaign.id, campaign.runId, workerId, outcomes, { hasLaterSteps: outcomes.some((o) => o.row.step_number < campaign.steps) });
}

async function handleTransportError(services: Services, transport: Transport, campaign: CampaignForSending, batch: ClaimedBatch, workerId: string, error: TransportError): Promise<"retry" | "failed" | "rejected"> {
  const { db, log } = services;
  if (error.kind === "credentials") {
    log.error("the provider refused Herald's credentials: the run fails", { campaignId: campaign.id, runId: campaign.runId, error: error.message });
    await db.transaction(async (tx) => {
      await lockRunShared(tx, campaign.runId);
      await failRun(tx, campaign.id, campaign.runId, error.message);
    });
    return "failed";
  }
  const attempts = Math.max(...batch.rows.map((r) => r.attempts));
  if (error.kind === "rejected" || attempts >= MAX_ATTEMPTS) {
    const reason = error.kind === "rejected" ? error.message : `gave up after ${attempts} attempts: ${error.message}`;
    await db.transaction(async (tx) => {
      await lockRunShared(tx, campaign.runId);
      await recordOutcomes(tx, campaign.id, campaign.runId, workerId, batch.rows.map((row) => ({ row, kind: "failed" as const, error: reason, senderId: null })));
    });
    return "rejected";
  }
  // Retryable: keep the batch (and its key) leased until the provider should be ready again.
  if (error.status === 429 && transport.rateLimited) await block(db, `provider:${transport.name}`, error.retryAfterMs);
  const backoffMs = Math.max(error.retryAfterMs, Math.min(60_000, 500 * 2 ** attempts));
  await db.execute(sql`
    update scheduled_emails set locked_until = now() + make_interval(secs => ${backoffMs / 1000}), error = ${error.message}, updated_at = now()
    where campaign_id = ${campaign.id} and idempotency_key = ${batch.key} and status = 'sending'`);
  log.warn("provider asked us to retry a batch", { campaignId: campaign.id, status: error.status, retryInMs: backoffMs, attempts });
  return "retry";
}

async function releaseRows(db: Executor, campaignId: number, ids: number[], status: "pending" | "paused" | "cancelled", scheduledFor?: SQL) {
  await db.execute(sql`
    update scheduled_emails set status = ${status}::scheduled_email_status, locked_by = null, locked_until = null, idempotency_key = null,
      attempts = greatest(attempts - 1, 0), updated_at = now() ${scheduledFor ? sql`, scheduled_for = ${scheduledFor}` : sql``}
    where campaign_id = ${campaignId} and id in (select x::bigint from jsonb_array_elements_text(${JSON.stringify(ids)}::jsonb) x) and status = 'sending'`);
}

async function nextDue(services: Services, campaignId: number, runId: number): Promise<Date | null> {
  const [row] = await services.db.execute<{ at: string | null }>(sql`
    select least(
      (select min(scheduled_for) from scheduled_emails where campaign_id = ${campaignId} and run_id = ${runId} and status = 'pending'),
      (select min(locked_until) from scheduled_emails where campaign_id = ${campaignId} and run_id = ${runId} and status = 'sending')
    ) as at`);
  return row?.at ? new Date(row.at) : null;
}

async function loadTemplates(services: Services, campaignId: number): Promise<Map<number, TemplateRow>> {
  const rows = await services.db.execute<TemplateRow>(sql`
    select t.id, t.subject, t.html, t.text from templates t where t.id in (select template_id from sequence_steps where campaign_id = ${campaignId})`);
  return new Map(rows.map((t) => [t.id, t]));
}

/** Templates a batch needs that the lane has not loaded (a step's template was swapped between runs). */
async function ensureTemplates(tx: Transaction, templates: Map<number, TemplateRow>, rows: BatchRow[]) {
  const missing = [...new Set(rows.map((r) => r.template_id).filter((id) => !templates.has(id)))];
  if (!missing.length) return;
  const found = await tx.execute<TemplateRow>(sql`select id, subject, html, text from templates where id in (select x::bigint from jsonb_array_elements_text(${JSON.stringify(missing)}::jsonb) x)`);
  for (const t of found) templates.set(t.id, t);
}
