import { sql } from "drizzle-orm";
import type { Executor } from "../../db/client";

/**
 * Why a recipient's next email has not gone yet, and when it should, in the
 * words a person uses: the run is paused, the previous step has not gone, the
 * delay after it has not passed, the sending window is closed (in the
 * recipient's zone), or it is due and waits its turn under the throttle.
 */
export type WaitReason = "paused" | "previous_step" | "step_delay" | "window" | "scheduled_start" | "throttle" | "sending";

export interface NextSend {
  recipientId: number;
  stepNumber: number;
  /** When it should go: its scheduled time, or for a due email the throttle's estimate. */
  at: Date | null;
  reason: WaitReason;
  explanation: string;
}

interface RunForWaiting {
  id: number;
  campaignId: number;
  status: string;
  scheduledAt: Date | null;
  startedAt: Date | null;
}

const minutes = (n: number) => (n < 1 ? "under a minute" : n < 90 ? `about ${Math.round(n)} min` : `about ${Math.round(n / 60)} h`);

/** The next waiting email of each recipient on the page, with its reason. One indexed query for the page, one count for the queue. */
export async function nextSends(db: Executor, run: RunForWaiting, recipientIds: number[], throttlePerMinute: number): Promise<Map<number, NextSend>> {
  const result = new Map<number, NextSend>();
  if (!recipientIds.length || !["SENDING", "SCHEDULED", "PAUSED", "PENDING"].includes(run.status)) return result;
  const [rows, queue] = await Promise.all([
    db.execute<{ recipient_id: number; step_number: number; scheduled_for: Date; status: string; previous_unsent: boolean; delay_minutes: number | null; time_zone: string | null }>(sql`
      select distinct on (e.recipient_id) e.recipient_id, e.step_number, e.scheduled_for, e.status, r.time_zone,
             exists (select 1 from scheduled_emails p where p.campaign_id = e.campaign_id and p.recipient_id = e.recipient_id
                       and p.step_number < e.step_number and p.status in ('pending', 'paused', 'sending')) as previous_unsent,
             (select s.delay_minutes from sequence_steps s where s.campaign_id = e.campaign_id and s.step_number = e.step_number) as delay_minutes
      from scheduled_emails e join run_recipients r on r.campaign_id = e.campaign_id and r.id = e.recipient_id
      where e.campaign_id = ${run.campaignId} and e.run_id = ${run.id}
        and e.recipient_id in (select value::bigint from jsonb_array_elements_text(${JSON.stringify(recipientIds)}::jsonb))
        and e.status in ('pending', 'paused', 'sending')
      order by e.recipient_id, e.step_number`),
    dueNow(db, run),
  ]);
  const now = Date.now();
  const queueMinutes = queue / Math.max(1, throttlePerMinute);
  for (const r of rows) {
    const due = new Date(r.scheduled_for);
    const base = { recipientId: Number(r.recipient_id), stepNumber: Number(r.step_number) };
    const zone = r.time_zone ? `${r.time_zone}, the recipient's zone` : "the campaign's zone";
    let next: NextSend;
    if (run.status === "PAUSED" || r.status === "paused") next = { ...base, at: null, reason: "paused", explanation: `Run paused: step ${r.step_number} goes when it is resumed.` };
    else if (r.status === "sending") next = { ...base, at: new Date(now), reason: "sending", explanation: `Step ${r.step_number} is being handed to the provider now.` };
    else if (r.previous_unsent) next = { ...base, at: due, reason: "previous_step", explanation: `Step ${r.step_number} waits for step ${r.step_number - 1} to go first.` };
    else if (due.getTime() <= now) next = { ...base, at: new Date(now + queueMinutes * 60_000), reason: "throttle", explanation: `Due now; in the queue behind ${queue} due ${queue === 1 ? "email" : "emails"} at ${throttlePerMinute} a minute (${minutes(queueMinutes)}).` };
    else if (r.step_number > 1) next = { ...base, at: due, reason: "step_delay", explanation: `Step ${r.step_number} waits ${r.delay_minutes ? `${Math.round(r.delay_minutes / 60 * 10) / 10} h` : "its delay"} after step ${r.step_number - 1}, inside the sending window (${zone}).` };
    else if (run.scheduledAt && Math.abs(due.getTime() - run.scheduledAt.getTime()) < 60_000) next = { ...base, at: due, reason: "scheduled_start", explanation: "The run is scheduled to start then." };
    else next = { ...base, at: due, reason: "window", explanation: `Outside the sending window until then (${zone}).` };
    result.set(next.recipientId, next);
  }
  return result;
}

async function dueNow(db: Executor, run: RunForWaiting): Promise<number> {
  const [row] = await db.execute<{ n: number }>(sql`
    select count(*)::int as n from scheduled_emails
    where campaign_id = ${run.campaignId} and run_id = ${run.id} and status = 'pending' and scheduled_for <= now()`);
  return row?.n ?? 0;
}

/**
 * When the run should be done: the later of the last email's scheduled time
 * and the time the throttle needs for what is due. Null while paused (it
 * depends on when it resumes) or when nothing is left.
 */
export async function estimatedFinish(db: Executor, run: RunForWaiting, throttlePerMinute: number): Promise<{ at: Date | null; note: string }> {
  if (["COMPLETED", "CANCELLED", "FAILED"].includes(run.status)) return { at: null, note: "" };
  if (run.status === "PAUSED") return { at: null, note: "Paused: the finish depends on when it is resumed." };
  const [row] = await db.execute<{ left: number; due: number; last: Date | null }>(sql`
    select count(*)::int as left, count(*) filter (where scheduled_for <= now())::int as due, max(scheduled_for) as last
    from scheduled_emails where campaign_id = ${run.campaignId} and run_id = ${run.id} and status in ('pending', 'sending')`);
  if (!row?.left) return { at: null, note: "Nothing left to send." };
  const byThrottle = Date.now() + (row.left / Math.max(1, throttlePerMinute)) * 60_000;
  const last = row.last ? new Date(row.last).getTime() : 0;
  const at = new Date(Math.max(byThrottle, last));
  return { at, note: last > byThrottle ? "when the last step is due (step delays and sending windows)" : `${row.left} emails left at ${throttlePerMinute} a minute` };
}

/** Sent, failed and waiting emails per step of one run. */
export async function runStepProgress(db: Executor, campaignId: number, runId: number) {
  const rows = await db.execute<{ step_number: number; total: number; sent: number; failed: number; waiting: number }>(sql`
    select step_number, count(*)::int as total, count(*) filter (where status = 'sent')::int as sent, count(*) filter (where status = 'failed')::int as failed,
           count(*) filter (where status in ('pending', 'paused', 'sending'))::int as waiting
    from scheduled_emails where campaign_id = ${campaignId} and run_id = ${runId} group by step_number order by step_number`);
  return rows.map((r) => ({ stepNumber: Number(r.step_number), total: r.total, sent: r.sent, failed: r.failed, waiting: r.waiting }));
}

/** What the run page shows beside its recipients: per-step progress, the estimated finish, and each listed recipient's next send. */
export async function runTimeline(db: Executor, campaignId: number, runNumber: number, recipientIds: number[]) {
  const [row] = await db.execute<{ id: number; status: string; scheduled_at: Date | null; started_at: Date | null; throttle: number }>(sql`
    select r.id, r.status, r.scheduled_at, r.started_at, c.throttle_per_minute as throttle
    from campaign_runs r join campaigns c on c.id = r.campaign_id where r.campaign_id = ${campaignId} and r.run_number = ${runNumber}`);
  if (!row) return { steps: [], finish: { at: null, note: "" }, next: [] as NextSend[] };
  const run: RunForWaiting = { id: Number(row.id), campaignId, status: row.status, scheduledAt: row.scheduled_at && new Date(row.scheduled_at), startedAt: row.started_at && new Date(row.started_at) };
  const [steps, finish, next] = await Promise.all([
    runStepProgress(db, campaignId, run.id),
    estimatedFinish(db, run, row.throttle),
    nextSends(db, run, recipientIds, row.throttle),
  ]);
  return { steps, finish, next: [...next.values()] };
}
