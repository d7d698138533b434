import { asc, eq, sql, type SQL } from "drizzle-orm";
import type { Transaction } from "../../db/client";
import { campaignRuns, campaigns, sequenceSteps } from "../../db/schema";
import { audienceCondition, mailableLead, type RunAudience } from "./audience";

export type { RunAudience } from "./audience";
type Campaign = typeof campaigns.$inferSelect;

/** Runs an INSERT and answers how many rows it wrote (the command tag's count: no rows cross the wire). */
async function countInserted(tx: Transaction, insert: SQL): Promise<number> {
  return (await tx.execute(insert)).count;
}

/** A campaign with an SMS step times a lead without a time zone by its phone number's country (quiet hours, decision 043). */
const smsZone = (campaignId: number) => sql`case when l.time_zone is null and exists (select 1 from sequence_steps st where st.campaign_id = ${campaignId} and st.channel = 'sms') then l.phone_time_zone else l.time_zone end`;

const pgArray = (values: number[]) => `{${values.join(",")}}`;

/**
 * Writes run N of a campaign: its recipients (the audience minus suppressed,
 * unsubscribed or bounced addresses) and every scheduled email of every step,
 * with set-based statements: one per step, each step timed from the previous
 * one and moved into the sending window of the recipient's time zone (or the
 * campaign's).
 */
export async function materializeRun(
  tx: Transaction,
  campaign: Campaign,
  options: { audience: RunAudience; sourceRunId: number | null; startAt: Date },
) {
  const runNumber = campaign.lifetimeRuns + 1;
  const future = options.startAt.getTime() > Date.now() + 1000;
  const [run] = await tx
    .insert(campaignRuns)
    .values({
      campaignId: campaign.id, runNumber, audience: options.audience, sourceRunId: options.sourceRunId,
      status: future ? "SCHEDULED" : "SENDING", scheduledAt: options.startAt, startedAt: future ? null : new Date(),
    })
    .returning();
  const runId = run!.id;

  const audience = audienceCondition(campaign.id, options.audience, options.sourceRunId);

  // Two bulk statements follow (a million rows each for a large audience): enough memory to hash the
  // audience's lead ids and the suppressions at once instead of spilling dozens of batches to disk.
  await tx.execute(sql`set local work_mem = '64MB'`);
  const recipients = await countInserted(tx, sql`
    insert into run_recipients (campaign_id, run_id, lead_id, email, time_zone)
    select ${campaign.id}, ${runId}, l.id, l.email, ${smsZone(campaign.id)}
    from leads l
    where ${mailableLead} and ${audience}
    -- In lead order: the recipients' lead indexes then grow in order as they are written, and the run's sending
    -- (in recipient order) updates a few neighbouring index pages per batch instead of a hundred random ones.
    order by l.id`);

  const steps = await tx.select().from(sequenceSteps).where(eq(sequenceSteps.campaignId, campaign.id)).orderBy(asc(sequenceSteps.stepNumber));
  const windowed = !(campaign.windowDays.length >= 7 && campaign.windowStartHour <= 0 && campaign.windowEndHour >= 24);
  let scheduled = 0;
  if (!windowed) {
    // No sending window: every step is the start plus the delays before it, written in one statement.
    let cumulative = 0;
    const plan = steps.map((st) => ({ step_number: st.stepNumber, template_id: st.templateId, offset_minutes: (cumulative += st.delayMinutes) }));
    scheduled = await countInserted(tx, sql`
      insert into scheduled_emails (campaign_id, run_id, recipient_id, step_number, template_id, scheduled_for)
      select r.campaign_id, r.run_id, r.id, p.step_number, p.template_id,
             ${options.startAt.toISOString()}::timestamptz + make_interval(mins => p.offset_minutes)
      from run_recipients r
      cross join jsonb_to_recordset(${JSON.stringify(plan)}::jsonb) as p(step_number int, template_id bigint, offset_minutes int)
      where r.campaign_id = ${campaign.id} and r.run_id = ${runId}`);
  }
  const window = sql`${pgArray(campaign.windowDays)}::smallint[], ${campaign.windowStartHour}::int, ${campaign.windowEndHour}::int`;
  for (const step of windowed ? steps : []) {
    // Each step is timed from the previous one after that one was moved into the window.
    const delay = sql`make_interval(mins => ${step.delayMinutes})`;
    const rows = step.stepNumber === 1
      ? await countInserted(tx, sql`
          insert into scheduled_emails (campaign_id, run_id, recipient_id, step_number, template_id, scheduled_for)
          select r.campaign_id, r.run_id, r.id, 1, ${step.templateId},
                 herald_next_send_time(${options.startAt.toISOString()}::timestamptz + ${delay}, coalesce(r.time_zone, ${campaign.timeZone}), ${window})
          from run_recipients r where r.campaign_id = ${campaign.id} and r.run_id = ${runId}`)
      : await countInserted(tx, sql`
          insert into scheduled_emails (campaign_id, run_id, recipient_id, step_number, template_id, scheduled_for)
          select p.campaign_id, p.run_id, p.recipient_id, ${step.stepNumber}, ${step.templateId},
                 herald_next_send_time(p.scheduled_for + ${delay}, coalesce(r.time_zone, ${campaign.timeZone}), ${window})
          from scheduled_emails p
          join run_recipients r on r.campaign_id = p.campaign_id and r.id = p.recipient_id
          where p.campaign_id = ${campaign.id} and p.run_id = ${runId} and p.step_number = ${step.stepNumber - 1}`);
    scheduled += rows;
  }
  // No ANALYZE here: the send path's plans are index-driven whatever the statistics say
  // (tests/engine/claim-plan.test.ts), and an ANALYZE inside this transaction would hold
  // its lock until commit, making concurrent run starts wait for each other.
  const [firstDue] = await tx.execute<{ at: string | null }>(sql`
    select min(scheduled_for) as at from scheduled_emails where campaign_id = ${campaign.id} and run_id = ${runId} and status = 'pending'`);
  await tx.update(campaignRuns).set({ recipients, scheduledCount: scheduled }).where(sql`${campaignRuns.campaignId} = ${campaign.id} and ${campaignRuns.id} = ${runId}`);
  return { runId, runNumber, recipients, scheduled, future, firstDueAt: firstDue?.at ? new Date(firstDue.at) : null };
}
