import { and, asc, eq, inArray, sql } from "drizzle-orm";
import type { Database, Executor } from "../../db/client";
import {
  campaignLists, campaignRuns, campaigns, campaignSenders, listMembers, lists, senderIdentities, sequenceSteps, templates,
} from "../../db/schema";
import { Conflict, IllegalTransition, NotFound, ValidationFailed } from "../errors";
import { messageWords } from "../runs/summary";
import { emailTally, type StepProgress } from "../runs/tallies";
import { mailbox } from "../sending/compose";
import { smsTemplateFor } from "../sms/templates";
import { ratesOf } from "../stats/rates";
import { campaignSettingsInput, type CampaignSettings, type CampaignSettingsInput } from "./schema";

const ACTIVE = ["scheduled", "running", "paused"] as const;

function parseSettings(input: CampaignSettingsInput): CampaignSettings {
  const parsed = campaignSettingsInput.safeParse(input);
  if (!parsed.success) {
    const fieldErrors: Record<string, string[]> = {};
    for (const issue of parsed.error.issues) (fieldErrors[issue.path.join(".") || "form"] ??= []).push(issue.message);
    throw new ValidationFailed(parsed.error.issues.map((i) => i.message).join("; "), fieldErrors);
  }
  return parsed.data;
}

/** SMS steps get the template their body is kept in (one per distinct body); every step then has a template id. */
async function resolveSmsSteps(tx: Executor, s: CampaignSettings) {
  for (const st of s.steps) if (st.channel === "sms") st.templateId = await smsTemplateFor(tx, st.smsBody ?? "");
}

async function assertReferencesExist(tx: Executor, s: CampaignSettings) {
  await resolveSmsSteps(tx, s);
  const templateIds = [...new Set(s.steps.filter((st) => st.channel === "email").map((st) => st.templateId!))];
  const found = templateIds.length ? await tx.select({ id: templates.id }).from(templates).where(and(inArray(templates.id, templateIds), eq(templates.channel, "email"))) : [];
  if (found.length !== templateIds.length) throw new ValidationFailed("A step uses a template that does not exist.", { steps: ["Choose an existing template for every step"] });
  if (s.listIds.length) {
    const l = await tx.select({ id: lists.id }).from(lists).where(inArray(lists.id, s.listIds));
    if (l.length !== new Set(s.listIds).size) throw new ValidationFailed("The audience names a list that does not exist.", { listIds: ["Choose existing lists"] });
  }
  if (s.senderIds.length) {
    const x = await tx.select({ id: senderIdentities.id }).from(senderIdentities).where(inArray(senderIdentities.id, s.senderIds));
    if (x.length !== new Set(s.senderIds).size) throw new ValidationFailed("A sender identity does not exist.", { senderIds: ["Choose existing senders"] });
  }
}

async function writeChildren(tx: Executor, campaignId: number, s: CampaignSettings) {
  await tx.delete(sequenceSteps).where(eq(sequenceSteps.campaignId, campaignId));
  await tx.insert(sequenceSteps).values(s.steps.map((st, i) => ({ campaignId, stepNumber: i + 1, templateId: st.templateId!, channel: st.channel, delayMinutes: st.delayMinutes, stopOnReply: st.stopOnReply })));
  await tx.delete(campaignLists).where(eq(campaignLists.campaignId, campaignId));
  if (s.listIds.length) await tx.insert(campaignLists).values([...new Set(s.listIds)].map((listId) => ({ campaignId, listId })));
  await tx.delete(campaignSenders).where(eq(campaignSenders.campaignId, campaignId));
  if (s.senderIds.length) await tx.insert(campaignSenders).values([...new Set(s.senderIds)].map((senderId) => ({ campaignId, senderId })));
}

const columnsOf = (s: CampaignSettings) => ({
  name: s.name, kind: s.kind, fromName: s.fromName, fromEmail: s.fromEmail, replyTo: s.replyTo ?? null, startAt: s.startAt ?? null,
  timeZone: s.timeZone, windowDays: s.windowDays, windowStartHour: s.windowStartHour, windowEndHour: s.windowEndHour, throttlePerMinute: s.throttlePerMinute,
});

async function assertNameFree(tx: Executor, name: string, exceptId?: number) {
  const [clash] = await tx.select({ id: campaigns.id }).from(campaigns).where(sql`lower(${campaigns.name}) = lower(${name})`);
  if (clash && clash.id !== exceptId) throw new Conflict(`A campaign named "${name}" already exists.`);
}

export async function createCampaign(db: Database, input: CampaignSettingsInput, createdBy?: number) {
  const s = parseSettings(input);
  return db.transaction(async (tx) => {
    await assertNameFree(tx, s.name);
    await assertReferencesExist(tx, s);
    const [row] = await tx.insert(campaigns).values({ ...columnsOf(s), createdBy: createdBy ?? null }).returning({ id: campaigns.id });
    await writeChildren(tx, row!.id, s);
    return row!;
  });
}

/**
 * Settings can change at any time except the audience and the steps of a
 * campaign whose run is under way (its emails are already written). What an
 * edit does to the running run is said in sentences: the throttle and the
 * From apply at once (they are read at send time); a new sending window or
 * time zone applies to the next run, or, when the user chooses it, to the
 * running run too, whose waiting emails outside the new window move to its
 * next opening.
 */
export async function updateCampaign(db: Database, id: number, input: CampaignSettingsInput, expectedVersion?: number, options: { applyToCurrentRun?: boolean } = {}) {
  const s = parseSettings(input);
  return db.transaction(async (tx) => {
    const [current] = await tx.select().from(campaigns).where(eq(campaigns.id, id)).for("update");
    if (!current) throw new NotFound("That campaign does not exist.");
    if (expectedVersion !== undefined && current.version !== expectedVersion) {
      throw new Conflict("Someone else changed this campaign while you were editing. Reload to see their changes.");
    }
    await assertNameFree(tx, s.name, id);
    await assertReferencesExist(tx, s);
    const active = (ACTIVE as readonly string[]).includes(current.status);
    const applied: string[] = [];
    if (active) {
      const steps = await tx.select().from(sequenceSteps).where(eq(sequenceSteps.campaignId, id)).orderBy(asc(sequenceSteps.stepNumber));
      const listRows = await tx.select({ id: campaignLists.listId }).from(campaignLists).where(eq(campaignLists.campaignId, id));
      const sameSteps = JSON.stringify(steps.map((x) => [x.channel, x.templateId, x.delayMinutes, x.stopOnReply])) === JSON.stringify(s.steps.map((x) => [x.channel, x.templateId, x.delayMinutes, x.stopOnReply]));
      const sameLists = JSON.stringify(listRows.map((l) => l.id).sort()) === JSON.stringify([...new Set(s.listIds)].sort());
      if (!sameSteps || !sameLists || current.kind !== s.kind) {
        throw new IllegalTransition(`The steps and audience of a ${current.status} campaign cannot change. Cancel it or wait until the run ends, then edit and rerun.`);
      }
      const windowChanged = current.timeZone !== s.timeZone || current.windowStartHour !== s.windowStartHour || current.windowEndHour !== s.windowEndHour
        || JSON.stringify([...current.windowDays].sort()) !== JSON.stringify([...s.windowDays].sort());
      // Emails, texts, or messages of both (the window and the throttle hold for both channels).
      const words = messageWords({ email: steps.filter((x) => x.channel !== "sms").length, sms: steps.filter((x) => x.channel === "sms").length });
      if (windowChanged && options.applyToCurrentRun && current.currentRunId) {
        const moved = await retimeWaitingEmails(tx, id, current.currentRunId, s);
        applied.push(`The new sending window applies to the running run too: ${moved} waiting ${moved === 1 ? `${words.one} was` : `${words.many} were`} moved into it.`);
      } else if (windowChanged) {
        applied.push(`The new sending window applies to the next run; the running run keeps the times its ${words.many} already have.`);
      }
      if (current.throttlePerMinute !== s.throttlePerMinute) applied.push(`The throttle of ${s.throttlePerMinute} ${words.many} a minute applies at once, to the running run too.`);
      if (current.fromName !== s.fromName || current.fromEmail !== s.fromEmail || current.replyTo !== (s.replyTo ?? null)) applied.push("The From and reply-to apply at once to every email not sent yet.");
    }
    await tx.update(campaigns).set({ ...columnsOf(s), version: sql`${campaigns.version} + 1`, updatedAt: new Date() }).where(eq(campaigns.id, id));
    await writeChildren(tx, id, s);
    return { id, applied: applied.length ? applied : ["Saved."] };
  });
}

/** Waiting emails of the running run outside the new window move to its next opening (per recipient's time zone). */
async function retimeWaitingEmails(tx: Executor, campaignId: number, runId: number, s: CampaignSettings): Promise<number> {
  const rows = await tx.execute(sql`
    update scheduled_emails e set updated_at = now(),
      scheduled_for = herald_next_send_time(e.scheduled_for, coalesce(r.time_zone, ${s.timeZone}), ${`{${s.windowDays.join(",")}}`}::smallint[], ${s.windowStartHour}::int, ${s.windowEndHour}::int)
    from run_recipients r,
      -- Emails a batch holds are going out now: skipped, not waited for (this transaction holds the campaign's row,
      -- which that batch's counters need: waiting would be a lock cycle).
      (select w.id from scheduled_emails w where w.campaign_id = ${campaignId} and w.run_id = ${runId} and w.status in ('pending', 'paused') for update skip locked) waiting
    where e.campaign_id = ${campaignId} and e.id = waiting.id
      and r.campaign_id = e.campaign_id and r.id = e.recipient_id
      and herald_next_send_time(e.scheduled_for, coalesce(r.time_zone, ${s.timeZone}), ${`{${s.windowDays.join(",")}}`}::smallint[], ${s.windowStartHour}::int, ${s.windowEndHour}::int) <> e.scheduled_for
    returning 1`);
  return rows.length;
}

export async function getCampaign(db: Executor, id: number) {
  const [campaign] = await db.select().from(campaigns).where(eq(campaigns.id, id));
  if (!campaign) throw new NotFound("That campaign does not exist.");
  const [steps, audience, chosenSenders, currentRun] = await Promise.all([
    db.select({ stepNumber: sequenceSteps.stepNumber, channel: sequenceSteps.channel, templateId: sequenceSteps.templateId, templateName: templates.name, subject: templates.subject, smsBody: templates.text, delayMinutes: sequenceSteps.delayMinutes, stopOnReply: sequenceSteps.stopOnReply })
      .from(sequenceSteps).innerJoin(templates, eq(templates.id, sequenceSteps.templateId))
      .where(eq(sequenceSteps.campaignId, id)).orderBy(asc(sequenceSteps.stepNumber)),
    db.select({ id: lists.id, name: lists.name, members: sql<number>`(select count(*)::int from ${listMembers} where ${listMembers.listId} = ${lists.id})` })
      .from(campaignLists).innerJoin(lists, eq(lists.id, campaignLists.listId)).where(eq(campaignLists.campaignId, id)).orderBy(asc(lists.name)),
    db.select({ id: senderIdentities.id, channel: senderIdentities.channel, fromEmail: senderIdentities.fromEmail, fromName: senderIdentities.fromName, smsSender: senderIdentities.smsSender, dailyCap: senderIdentities.dailyCap })
      .from(campaignSenders).innerJoin(senderIdentities, eq(senderIdentities.id, campaignSenders.senderId)).where(eq(campaignSenders.campaignId, id)).orderBy(asc(senderIdentities.id)),
    campaign.currentRunId
      ? db.select().from(campaignRuns).where(and(eq(campaignRuns.campaignId, id), eq(campaignRuns.id, campaign.currentRunId))).then((r) => r[0] ?? null)
      : Promise.resolve(null),
  ]);
  const [mirror] = await db.execute<{ record_id: string | null; last_pushed_at: string | null; pending: boolean; last_error: string | null }>(sql`
    select l.record_id, l.last_pushed_at::text, o.id is not null as pending, o.last_error
    from (select 1) x
    left join sync_links l on l.campaign_id = ${id} and l.base = 'control'
    left join sync_outbox o on o.base = 'control' and o.record_key = ${`campaign:${id}`}`);
  // What the current run froze at its start (server/runs/snapshot.ts), to say which edits it does not follow.
  const frozen = currentRun && ["SCHEDULED", "SENDING", "PAUSED"].includes(currentRun.status)
    ? await db.execute<{ step_number: number; subject: string; html: string; text: string; template_id: number }>(sql`
        select rs.step_number, rs.subject, rs.html, rs.text, rs.template_id from run_steps rs where rs.campaign_id = ${id} and rs.run_id = ${currentRun.id}`)
    : [];
  const live = await db.select({ id: templates.id, subject: templates.subject, html: templates.html, text: templates.text }).from(templates)
    .where(inArray(templates.id, steps.length ? steps.map((x) => x.templateId) : [0]));
  const stepsShown = steps.map((st) => {
    const f = frozen.find((x) => Number(x.step_number) === st.stepNumber);
    const t = live.find((x) => x.id === st.templateId);
    const changed = Boolean(f && t && (Number(f.template_id) !== st.templateId || f.subject !== t.subject || f.html !== t.html || f.text !== t.text));
    return { ...st, running: f ? { subject: f.subject, changed } : null };
  });
  // Email identities give the From; SMS ones the texts' sender (none chosen: the configured ones, server/sms/senders.ts).
  const senders = chosenSenders.flatMap((s) => (s.channel === "email" && s.fromEmail ? [{ id: s.id, fromEmail: s.fromEmail, fromName: s.fromName, dailyCap: s.dailyCap }] : []));
  const smsSenders = chosenSenders.flatMap((s) => (s.channel === "sms" && s.smsSender ? [{ id: s.id, smsSender: s.smsSender, dailyCap: s.dailyCap }] : []));
  return {
    ...campaign, rates: ratesOf(campaign), steps: stepsShown, audience, senders, smsSenders, currentRun, fromOut: fromAddresses(campaign, senders),
    mirror: { recordId: mirror?.record_id ?? null, lastPushedAt: mirror?.last_pushed_at ?? null, pending: Boolean(mirror?.pending), lastError: mirror?.last_error ?? null },
  };
}

/**
 * The From that goes out: a sender identity's address with the name typed on
 * the form (the identity's own name when the form has none); without
 * identities, the form's name and address. compose.ts applies the same rule.
 */
export function fromAddresses(c: { fromName: string; fromEmail: string }, senders: Array<{ fromEmail: string; fromName: string }>): string[] {
  return senders.length ? senders.map((s) => mailbox(c.fromName || s.fromName, s.fromEmail)) : [mailbox(c.fromName, c.fromEmail)];
}

/**
 * Per-step progress of the current run: emails sent, failed and waiting for
 * each step. Counting reads every email of the run, and open campaign pages
 * ask every 3 s: for a large run (a million emails take about a second to
 * count) every page of every viewer, and the run's own page, share one count
 * per 15 s (server/runs/tallies.ts), while the run's own counters (sent,
 * failed) stay live.
 */
export async function stepProgress(db: Executor, campaignId: number): Promise<StepProgress[]> {
  const [c] = await db.select({ runId: campaigns.currentRunId, emails: campaignRuns.scheduledCount }).from(campaigns)
    .leftJoin(campaignRuns, and(eq(campaignRuns.campaignId, campaigns.id), eq(campaignRuns.id, campaigns.currentRunId)))
    .where(eq(campaigns.id, campaignId));
  if (!c?.runId) return [];
  return (await emailTally(db, campaignId, c.runId, c.emails ?? 0)).steps;
}

export async function findCampaignByName(db: Executor, name: string) {
  const [row] = await db.select({ id: campaigns.id, name: campaigns.name }).from(campaigns).where(sql`lower(${campaigns.name}) = lower(${name.trim()})`);
  if (!row) throw new NotFound(`No campaign is named "${name}".`);
  return row;
}
