import { and, eq, sql } from "drizzle-orm";
import type { Database, Executor, Transaction } from "../../db/client";
import { campaignLists, campaignRuns, campaigns, sequenceSteps } from "../../db/schema";
import { Conflict, IllegalTransition, NotFound, ValidationFailed } from "../errors";
import { enqueue } from "../queue";
import { lockRunExclusive, lockRunShared } from "../runs/locks";
import { materializeRun, type RunAudience } from "../runs/materialize";
import { snapshotRunSteps } from "../runs/snapshot";
import { messageWords, runSummary } from "../runs/summary";

export type CampaignStatus = (typeof campaigns.$inferSelect)["status"];
export type StatusSource = (typeof campaigns.$inferSelect)["statusSource"];
export type Action = "start" | "pause" | "resume" | "cancel" | "rerun";

/** Which campaign statuses each action may start from: the whole state machine in one table. */
export const ALLOWED: Record<Action, readonly CampaignStatus[]> = {
  start: ["draft"],
  pause: ["scheduled", "running"],
  resume: ["paused"],
  cancel: ["draft", "scheduled", "running", "paused", "failed"],
  rerun: ["completed", "cancelled", "failed"],
};

/** Parallel send jobs per run; each claims its own batches with SKIP LOCKED. */
export const SEND_LANES = 2;

function refusal(action: Action, name: string, status: CampaignStatus): string {
  const finished = status === "completed" || status === "cancelled" || status === "failed";
  const hint = finished ? " Use Rerun to send it again." : "";
  switch (action) {
    case "start": return `"${name}" is ${status}: only a draft campaign can be started.${hint}`;
    case "pause": return `"${name}" is ${status}: only a scheduled or running campaign can be paused.`;
    case "resume": return `"${name}" is ${status}: only a paused campaign can be resumed.${hint}`;
    case "cancel": return status === "completed" ? `"${name}" is completed: a completed campaign cannot be cancelled.` : `"${name}" is already cancelled.`;
    case "rerun": return status === "draft"
      ? `"${name}" is a draft: start it first; Rerun sends a campaign again after a run has ended.`
      : `"${name}" is ${status}: wait until its run has completed, or cancel it, before running it again.`;
  }
}

export interface TransitionResult {
  campaignId: number;
  runId: number | null;
  /** For start and rerun: the new run. */
  runNumber?: number;
  recipients?: number;
  scheduled?: number;
}

export interface TransitionOptions {
  source: StatusSource;
  audience?: RunAudience;
  expectedVersion?: number;
}

/**
 * The one way campaign state changes, for the UI, the CLI, the Airtable pull
 * and jobs alike. Illegal transitions are refused with a sentence.
 */
export async function transitionCampaign(db: Executor, campaignId: number, action: Action, options: TransitionOptions): Promise<TransitionResult> {
  return db.transaction(async (tx) => {
    // A send batch holds the run's barrier for at most one bounded provider call; never wait longer than this for it.
    await tx.execute(sql`set local lock_timeout = '${sql.raw(String(TRANSITION_LOCK_TIMEOUT_MS))}ms'`);
    const [peek] = await tx.select({ runId: campaigns.currentRunId }).from(campaigns).where(eq(campaigns.id, campaignId));
    if (!peek) throw new NotFound("That campaign does not exist.");
    // Taken before the campaign row, in the same order as the send path, so the two never deadlock.
    if (peek.runId && (action === "pause" || action === "cancel" || action === "resume")) await lockRunExclusive(tx, peek.runId);
    const [campaign] = await tx.select().from(campaigns).where(eq(campaigns.id, campaignId)).for("update");
    if (!campaign) throw new NotFound("That campaign does not exist.");
    if (campaign.currentRunId !== peek.runId) throw new Conflict("The campaign changed while this was being applied. Try again.");
    if (options.expectedVersion !== undefined && options.expectedVersion !== campaign.version) {
      throw new Conflict(`"${campaign.name}" changed since you loaded it (it is now ${campaign.status}). Reload and try again.`);
    }
    if (!ALLOWED[action].includes(campaign.status)) throw new IllegalTransition(refusal(action, campaign.name, campaign.status));
    if (campaign.archivedAt && action !== "cancel" && action !== "pause") throw new IllegalTransition(`"${campaign.name}" is archived: un-archive it before you ${action} it.`);

    switch (action) {
      case "start":
      case "rerun":
        return startRun(tx, campaign, action === "rerun" ? (options.audience ?? "everyone") : "everyone", options.source);
      case "pause":
        return pauseRun(tx, campaign, options.source);
      case "resume":
        return resumeRun(tx, campaign, options.source);
      case "cancel":
        return cancelRun(tx, campaign, options.source);
    }
  }).catch((error: unknown) => {
    if (isLockTimeout(error)) throw new Conflict(`Could not ${action} the campaign within ${TRANSITION_LOCK_TIMEOUT_MS / 1000} s: a batch is still being handed to the email provider. Nothing was changed; try again in a few seconds.`);
    throw error;
  });
}

const TRANSITION_LOCK_TIMEOUT_MS = 5_000;
const isLockTimeout = (error: unknown): boolean => {
  for (let e = error as { code?: string; cause?: unknown } | undefined, depth = 0; e && depth < 4; e = e.cause as typeof e, depth++) if (e.code === "55P03") return true;
  return false;
};

type Campaign = typeof campaigns.$inferSelect;
const runWhere = (campaignId: number, runId: number) => and(eq(campaignRuns.campaignId, campaignId), eq(campaignRuns.id, runId));
const statusChange = (status: CampaignStatus, source: StatusSource) => ({
  status, statusSource: source, statusChangedAt: new Date(), updatedAt: new Date(), version: sql`${campaigns.version} + 1`,
});

async function enqueueLanes(tx: Executor, campaignId: number, runId: number, runAt: Date | null) {
  for (let lane = 0; lane < SEND_LANES; lane++) {
    await enqueue(tx, "send-run", { campaignId, runId, lane }, { jobKey: `send-run:${runId}:${lane}`, runAt: runAt ?? undefined });
  }
}

/**
 * Why a start or rerun for `audience` would be refused, as the sentence the
 * refusal says, or null: the pre-flight asks the same before the user
 * confirms, so no dialog offers a Start that cannot happen.
 */
export async function startRefusal(db: Executor, campaign: Pick<Campaign, "id" | "name" | "currentRunId">, audience: RunAudience): Promise<string | null> {
  const [steps] = await db.select({ n: sql<number>`count(*)::int` }).from(sequenceSteps).where(eq(sequenceSteps.campaignId, campaign.id));
  if (!steps?.n) return `"${campaign.name}" has no steps: add at least one step with a template.`;
  if (audience === "everyone") {
    const [lists] = await db.select({ n: sql<number>`count(*)::int` }).from(campaignLists).where(eq(campaignLists.campaignId, campaign.id));
    if (!lists?.n) return `"${campaign.name}" has no audience: choose at least one list.`;
  }
  if (audience !== "everyone" && !campaign.currentRunId) return "There is no previous run to take recipients from.";
  return null;
}

async function startRun(tx: Transaction, campaign: Campaign, audience: RunAudience, source: StatusSource): Promise<TransitionResult> {
  const refusal = await startRefusal(tx, campaign, audience);
  if (refusal) throw new ValidationFailed(refusal);
  const [steps = { n: 0, sms: 0 }] = await tx.select({ n: sql<number>`count(*)::int`, sms: sql<number>`(count(*) filter (where ${sequenceSteps.channel} = 'sms'))::int` }).from(sequenceSteps).where(eq(sequenceSteps.campaignId, campaign.id));
  const startAt = campaign.startAt && campaign.startAt.getTime() > Date.now() ? campaign.startAt : new Date();
  const run = await materializeRun(tx, campaign, { audience, sourceRunId: campaign.currentRunId, startAt });
  await snapshotRunSteps(tx, campaign.id, run.runId);
  if (run.recipients === 0) {
    const who = { everyone: "the audience lists have no active, unsuppressed leads", failed: "no recipient of the last run failed", not_opened: "every recipient of the last run opened it", not_clicked: "every recipient of the last run clicked", not_mailed: "every recipient of the last run was mailed", not_human_opened: "every recipient of the last run opened it as a person", not_human_clicked: "every recipient of the last run clicked as a person" }[audience];
    throw new ValidationFailed(`Nobody to send to: ${who}.`);
  }
  const n = new Intl.NumberFormat("en-US");
  await tx.update(campaigns).set({
    ...statusChange(run.future ? "scheduled" : "running", source),
    currentRunId: run.runId,
    lifetimeRuns: sql`${campaigns.lifetimeRuns} + 1`,
    recipients: sql`${campaigns.recipients} + ${run.recipients}`,
    lastRunAt: new Date(),
    lastRunResult: `Run ${run.runNumber} ${run.future ? "scheduled" : "started"}: ${n.format(run.recipients)} recipients, ${n.format(run.scheduled)} ${messageWords({ email: steps.n - steps.sms, sms: steps.sms }).many}`,
  }).where(eq(campaigns.id, campaign.id));
  await enqueueLanes(tx, campaign.id, run.runId, run.firstDueAt);
  return { campaignId: campaign.id, runId: run.runId, runNumber: run.runNumber, recipients: run.recipients, scheduled: run.scheduled };
}

async function pauseRun(tx: Transaction, campaign: Campaign, source: StatusSource): Promise<TransitionResult> {
  const runId = campaign.currentRunId!;
  await tx.update(campaignRuns).set({ status: "PAUSED", pausedAt: new Date(), updatedAt: new Date() }).where(runWhere(campaign.id, runId));
  const paused = await tx.execute(sql`
    update scheduled_emails set status = 'paused', updated_at = now()
    where campaign_id = ${campaign.id} and run_id = ${runId} and status = 'pending' returning 1`);
  await tx.update(campaigns).set(statusChange("paused", source)).where(eq(campaigns.id, campaign.id));
  return { campaignId: campaign.id, runId, scheduled: paused.length };
}

/** Re-times what is left from now: every waiting email moves by the length of the pause, so gaps between steps stay. */
async function resumeRun(tx: Transaction, campaign: Campaign, source: StatusSource): Promise<TransitionResult> {
  const runId = campaign.currentRunId!;
  const [run] = await tx.select().from(campaignRuns).where(runWhere(campaign.id, runId));
  const pausedAt = run?.pausedAt ?? new Date();
  await tx.execute(sql`
    update scheduled_emails e set status = 'pending', updated_at = now(),
      scheduled_for = herald_next_send_time(
        greatest(e.scheduled_for, ${pausedAt.toISOString()}::timestamptz) + (now() - ${pausedAt.toISOString()}::timestamptz),
        coalesce(r.time_zone, ${campaign.timeZone}), ${`{${campaign.windowDays.join(",")}}`}::smallint[], ${campaign.windowStartHour}::int, ${campaign.windowEndHour}::int)
    from run_recipients r
    where e.campaign_id = ${campaign.id} and e.run_id = ${runId} and e.status = 'paused'
      and r.campaign_id = e.campaign_id and r.id = e.recipient_id`);
  const started = Boolean(run?.startedAt);
  await tx.update(campaignRuns).set({ status: started ? "SENDING" : "SCHEDULED", pausedAt: null, updatedAt: new Date() }).where(runWhere(campaign.id, runId));
  await tx.update(campaigns).set(statusChange(started ? "running" : "scheduled", source)).where(eq(campaigns.id, campaign.id));
  const [next] = await tx.execute<{ at: string | null }>(sql`
    select min(scheduled_for) as at from scheduled_emails where campaign_id = ${campaign.id} and run_id = ${runId} and status = 'pending'`);
  await enqueueLanes(tx, campaign.id, runId, next?.at ? new Date(next.at) : null);
  return { campaignId: campaign.id, runId };
}

async function cancelRun(tx: Transaction, campaign: Campaign, source: StatusSource): Promise<TransitionResult> {
  const runId = campaign.currentRunId;
  let lastRunResult = campaign.lastRunResult;
  if (runId && campaign.status !== "failed") {
    await tx.execute(sql`
      update scheduled_emails set status = 'cancelled', locked_by = null, locked_until = null, updated_at = now()
      where campaign_id = ${campaign.id} and run_id = ${runId} and status in ('pending', 'paused')`);
    const [run] = await tx.update(campaignRuns).set({ status: "CANCELLED", completedAt: new Date(), updatedAt: new Date() }).where(runWhere(campaign.id, runId)).returning();
    lastRunResult = runSummary(run!);
  }
  await tx.update(campaigns).set({ ...statusChange("cancelled", source), lastRunResult }).where(eq(campaigns.id, campaign.id));
  return { campaignId: campaign.id, runId };
}

/**
 * Completes a run when none of its emails is pending, paused or sending,
 * and its campaign with it. Called by the send path; safe to call any time.
 */
export async function completeRunIfDone(db: Database, campaignId: number, runId: number): Promise<boolean> {
  return db.transaction(async (tx) => {
    await lockRunShared(tx, runId);
    const [run] = await tx.execute<{ run_number: number; sent: number; failed: number; opened: number; sms_sent: number; sms_failed: number }>(sql`
      update campaign_runs set status = 'COMPLETED', completed_at = now(), updated_at = now()
      where campaign_id = ${campaignId} and id = ${runId} and status = 'SENDING'
        and not exists (select 1 from scheduled_emails where campaign_id = ${campaignId} and run_id = ${runId} and status in ('pending', 'paused', 'sending'))
      returning run_number, sent, failed, opened, sms_sent, sms_failed`);
    if (!run) return false;
    await tx.update(campaigns).set({
      ...statusChange("completed", "job"),
      lastRunResult: runSummary({ runNumber: run.run_number, status: "COMPLETED", sent: run.sent, failed: run.failed, opened: run.opened, smsSent: run.sms_sent, smsFailed: run.sms_failed }),
    }).where(and(eq(campaigns.id, campaignId), eq(campaigns.currentRunId, runId)));
    return true;
  });
}

/** The provider refused us (e.g. a rejected API key): the run and its campaign fail with the reason. */
export async function failRun(tx: Transaction, campaignId: number, runId: number, reason: string) {
  await tx.execute(sql`
    update scheduled_emails set status = 'cancelled', error = ${`not sent: ${reason}`}, locked_by = null, locked_until = null, updated_at = now()
    where campaign_id = ${campaignId} and run_id = ${runId} and status in ('pending', 'paused', 'sending')`);
  await tx.execute(sql`
    update run_recipients set status = 'failed', last_error = ${reason}, updated_at = now()
    where campaign_id = ${campaignId} and run_id = ${runId} and status in ('pending', 'queued')`);
  const [run] = await tx.update(campaignRuns).set({ status: "FAILED", failureReason: reason, completedAt: new Date(), updatedAt: new Date() }).where(runWhere(campaignId, runId)).returning();
  await tx.update(campaigns).set({ ...statusChange("failed", "job"), lastRunResult: runSummary(run!) }).where(and(eq(campaigns.id, campaignId), eq(campaigns.currentRunId, runId)));
}
