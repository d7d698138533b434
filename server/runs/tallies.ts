import { sql } from "drizzle-orm";
import type { Executor } from "../../db/client";
import { ENGAGEMENT_FILTERS, engagementCondition, type EngagementFilter } from "./engagement";

/**
 * Counts over every email or every recipient of a run, for the pages people
 * keep open (campaign page, run page). Each is one pass over the run's rows.
 * For a run larger than LARGE_RUN rows a tally is made at most every
 * TALLY_TTL_MS per process and shared by every page and viewer that asks
 * (decision 013, "Live pages"; decision 036); the run's own counters (sent,
 * failed, opened…) beside them stay live. A smaller run is counted each time.
 */
export const LARGE_RUN = 50_000;
export const TALLY_TTL_MS = 15_000;

type Entry<T> = { at: number; value: Promise<T> };

function sharedForLargeRuns<T>(cache: Map<number, Entry<T>>, runId: number, rows: number, count: () => Promise<T>): Promise<T> {
  if (rows <= LARGE_RUN) return count();
  const now = Date.now();
  const cached = cache.get(runId);
  if (cached && now - cached.at < TALLY_TTL_MS) return cached.value;
  for (const [id, entry] of cache) if (now - entry.at >= TALLY_TTL_MS) cache.delete(id);
  // The promise is kept at once, so pages asking while the count runs wait for the same count; a failed count is forgotten.
  const value = count().catch((error: unknown) => {
    if (cache.get(runId)?.value === value) cache.delete(runId);
    throw error;
  });
  cache.set(runId, { at: now, value });
  return value;
}

import type { StepProgress } from "../../shared/step-progress";
export type { StepProgress };

export interface EmailTally {
  /** Emails of the run by status (pending, sent, failed…). */
  byStatus: Record<string, number>;
  steps: StepProgress[];
  /** Emails still to go (pending or sending) and the latest time one of them is scheduled for. */
  left: number;
  lastScheduled: Date | null;
  /** Pending emails already due when counted: the queue the throttle works through. */
  duePending: number;
}

const emailTallies = new Map<number, Entry<EmailTally>>();

/** Every email of a run by step and status, in one pass (the run's status index). `emails`: the run's scheduled count, which decides sharing. */
export function emailTally(db: Executor, campaignId: number, runId: number, emails: number): Promise<EmailTally> {
  return sharedForLargeRuns(emailTallies, runId, emails, async () => {
    const rows = await db.execute<{ step_number: number; status: string; n: number; due: number; last: Date | string | null }>(sql`
      select step_number, status, count(*)::int as n, count(*) filter (where scheduled_for <= now())::int as due, max(scheduled_for) as last
      from scheduled_emails where campaign_id = ${campaignId} and run_id = ${runId} group by step_number, status`);
    const byStatus: Record<string, number> = {};
    const steps = new Map<number, StepProgress>();
    let left = 0;
    let lastScheduled: Date | null = null;
    let duePending = 0;
    for (const r of rows) {
      const stepNumber = Number(r.step_number);
      byStatus[r.status] = (byStatus[r.status] ?? 0) + r.n;
      const step = steps.get(stepNumber) ?? { stepNumber, total: 0, sent: 0, failed: 0, waiting: 0 };
      step.total += r.n;
      if (r.status === "sent") step.sent += r.n;
      if (r.status === "failed") step.failed += r.n;
      if (r.status === "pending" || r.status === "paused" || r.status === "sending") step.waiting += r.n;
      steps.set(stepNumber, step);
      if (r.status === "pending" || r.status === "sending") {
        left += r.n;
        const last = r.last === null ? null : new Date(r.last);
        if (last && (!lastScheduled || last > lastScheduled)) lastScheduled = last;
      }
      if (r.status === "pending") duePending += r.due;
    }
    return { byStatus, steps: [...steps.values()].sort((a, b) => a.stepNumber - b.stepNumber), left, lastScheduled, duePending };
  });
}

export interface RecipientTally {
  byStatus: Record<string, number>;
  byEngagement: Record<EngagementFilter, number>;
  /** Engagement counts within each status: the total of a list filtered by both. */
  byStatusEngagement: Record<string, Record<EngagementFilter, number>>;
}

const recipientTallies = new Map<number, Entry<RecipientTally>>();
const ENGAGEMENT_KEYS = Object.keys(ENGAGEMENT_FILTERS) as EngagementFilter[];

/** Every recipient of a run by status and by what they did, in one pass. `recipients`: the run's recipient count, which decides sharing. */
export function recipientTally(db: Executor, campaignId: number, runId: number, recipients: number): Promise<RecipientTally> {
  return sharedForLargeRuns(recipientTallies, runId, recipients, async () => {
    const rows = await db.execute<Record<EngagementFilter, number> & { status: string; n: number }>(sql`
      select status, count(*)::int as n,
             ${sql.join(ENGAGEMENT_KEYS.map((k) => sql`count(*) filter (where ${engagementCondition(k)})::int as ${sql.raw(k)}`), sql`, `)}
      from run_recipients where campaign_id = ${campaignId} and run_id = ${runId} group by status`);
    const none = () => Object.fromEntries(ENGAGEMENT_KEYS.map((k) => [k, 0])) as Record<EngagementFilter, number>;
    const tally: RecipientTally = { byStatus: {}, byEngagement: none(), byStatusEngagement: {} };
    for (const r of rows) {
      tally.byStatus[r.status] = r.n;
      tally.byStatusEngagement[r.status] = Object.fromEntries(ENGAGEMENT_KEYS.map((k) => [k, r[k]])) as Record<EngagementFilter, number>;
      for (const k of ENGAGEMENT_KEYS) tally.byEngagement[k] += r[k];
    }
    return tally;
  });
}
