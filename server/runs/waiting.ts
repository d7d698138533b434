import { sql } from "drizzle-orm";
import type { Executor } from "../../db/client";
import { CAP_NOTES } from "../sending/batch";
import { sentFrom, type SentFrom } from "./sent-from";
import { messageWords } from "./summary";
import { emailTally, type EmailTally } from "./tallies";

type Words = { one: string; many: string };
const EMAILS: Words = { one: "email", many: "emails" };

/**
 * Why a recipient's next email has not gone yet, and when it should, in the
 * words a person uses: the run is paused, the previous step has not gone, the
 * delay after it has not passed, the sending window is closed (in the
 * recipient's zone), every sender of its channel reached its daily cap, or
 * it is due and waits its turn under the throttle.
 */
export type WaitReason = "paused" | "previous_step" | "step_delay" | "window" | "scheduled_start" | "throttle" | "sending" | "sender_cap";

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

const capNotes = new Set<string>(Object.values(CAP_NOTES));

const minutes = (n: number) => (n < 1 ? "under a minute" : n < 90 ? `about ${Math.round(n)} min` : `about ${Math.round(n / 60)} h`);

/** The next waiting email of each recipient on the page, with its reason. One indexed query for the page; the queue comes from the run's tally. */
export async function nextSends(db: Executor, run: RunForWaiting, recipientIds: number[], throttlePerMinute: number, tally: Pick<EmailTally, "duePending">, words: Words = EMAILS): Promise<Map<number, NextSend>> {
  const result = new Map<number, NextSend>();
  if (!recipientIds.length || !["SENDING", "SCHEDULED", "PAUSED", "PENDING"].includes(run.status)) return result;
  const queue = tally.duePending;
  const rows = await db.execute<{ recipient_id: number; step_number: number; scheduled_for: Date; status: string; error: string | null; previous_unsent: boolean; delay_minutes: number | null; time_zone: string | null }>(sql`
      select distinct on (e.recipient_id) e.recipient_id, e.step_number, e.scheduled_for, e.status, e.error, r.time_zone,
             exists (select 1 from scheduled_emails p where p.campaign_id = e.campaign_id and p.recipient_id = e.recipient_id
                       and p.step_number < e.step_number and p.status in ('pending', 'paused', 'sending')) as previous_unsent,
             (select s.delay_minutes from sequence_steps s where s.campaign_id = e.campaign_id and s.step_number = e.step_number) as delay_minutes
      from scheduled_emails e join run_recipients r on r.campaign_id = e.campaign_id and r.id = e.recipient_id
      where e.campaign_id = ${run.campaignId} and e.run_id = ${run.id}
        and e.recipient_id in (select value::bigint from jsonb_array_elements_text(${JSON.stringify(recipientIds)}::jsonb))
        and e.status in ('pending', 'paused', 'sending')
      order by e.recipient_id, e.step_number`);
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
    else if (capNotes.has(r.error ?? "") && r.status === "pending" && due.getTime() > now) next = { ...base, at: due, reason: "sender_cap", explanation: `Step ${r.step_number} waits: ${r.error}.` };
    else if (due.getTime() <= now) next = { ...base, at: new Date(now + queueMinutes * 60_000), reason: "throttle", explanation: `Due now; in the queue behind ${queue} due ${queue === 1 ? words.one : words.many} at ${throttlePerMinute} a minute (${minutes(queueMinutes)}).` };
    else if (r.step_number > 1) next = { ...base, at: due, reason: "step_delay", explanation: `Step ${r.step_number} waits ${r.delay_minutes ? `${Math.round(r.delay_minutes / 60 * 10) / 10} h` : "its delay"} after step ${r.step_number - 1}, inside the sending window (${zone}).` };
    else if (run.scheduledAt && Math.abs(due.getTime() - run.scheduledAt.getTime()) < 60_000) next = { ...base, at: due, reason: "scheduled_start", explanation: "The run is scheduled to start then." };
    else next = { ...base, at: due, reason: "window", explanation: `Outside the sending window until then (${zone}).` };
    result.set(next.recipientId, next);
  }
  return result;
}

/**
 * When the run should be done: the later of the last email's scheduled time
 * and the time the throttle needs for what is due. Null while paused (it
 * depends on when it resumes) or when nothing is left.
 */
export function estimatedFinish(run: RunForWaiting, throttlePerMinute: number, tally: Pick<EmailTally, "left" | "lastScheduled">, words: Words = EMAILS): { at: Date | null; note: string } {
  if (["COMPLETED", "CANCELLED", "FAILED"].includes(run.status)) return { at: null, note: "" };
  if (run.status === "PAUSED") return { at: null, note: "Paused: the finish depends on when it is resumed." };
  if (!tally.left) return { at: null, note: "Nothing left to send." };
  const byThrottle = Date.now() + (tally.left / Math.max(1, throttlePerMinute)) * 60_000;
  const last = tally.lastScheduled?.getTime() ?? 0;
  const at = new Date(Math.max(byThrottle, last));
  return { at, note: last > byThrottle ? "when the last step is due (step delays and sending windows)" : `${tally.left} ${words.many} left at ${throttlePerMinute} a minute` };
}

/**
 * What the run page shows beside its recipients: its emails by status,
 * per-step progress, the estimated finish (one tally of the run's emails,
 * shared for 15 s on large runs), and each listed recipient's next send and
 * the senders its messages went from.
 */
export async function runTimeline(db: Executor, campaignId: number, runNumber: number, recipientIds: number[]) {
  const [row] = await db.execute<{ id: number; status: string; scheduled_at: Date | null; started_at: Date | null; throttle: number; emails: number; steps: number; sms_steps: number }>(sql`
    select r.id, r.status, r.scheduled_at, r.started_at, r.scheduled_count as emails, c.throttle_per_minute as throttle,
           (select count(*)::int from sequence_steps st where st.campaign_id = r.campaign_id) as steps,
           (select count(*)::int from sequence_steps st where st.campaign_id = r.campaign_id and st.channel = 'sms') as sms_steps
    from campaign_runs r join campaigns c on c.id = r.campaign_id where r.campaign_id = ${campaignId} and r.run_number = ${runNumber}`);
  if (!row) return { emails: {} as Record<string, number>, steps: [], finish: { at: null, note: "" }, next: [] as NextSend[], sentFrom: [] as SentFrom[] };
  const run: RunForWaiting = { id: Number(row.id), campaignId, status: row.status, scheduledAt: row.scheduled_at && new Date(row.scheduled_at), startedAt: row.started_at && new Date(row.started_at) };
  const tally = await emailTally(db, campaignId, run.id, row.emails);
  // The throttle and the windows hold for texts too: say "texts" or "messages" when the run has any.
  const words = messageWords({ email: row.steps - row.sms_steps, sms: row.sms_steps });
  const [next, from] = await Promise.all([nextSends(db, run, recipientIds, row.throttle, tally, words), sentFrom(db, campaignId, run.id, recipientIds)]);
  return { emails: tally.byStatus, steps: tally.steps, finish: estimatedFinish(run, row.throttle, tally, words), next: [...next.values()], sentFrom: from };
}
