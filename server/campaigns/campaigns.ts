import { and, asc, eq, inArray, sql } from "drizzle-orm";
import type { Database, Executor } from "../../db/client";
import {
  campaignLists, campaignRuns, campaigns, campaignSenders, listMembers, lists, senderIdentities, sequenceSteps, templates,
} from "../../db/schema";
import { Conflict, IllegalTransition, NotFound, ValidationFailed } from "../errors";
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

async function assertReferencesExist(tx: Executor, s: CampaignSettings) {
  const templateIds = [...new Set(s.steps.map((st) => st.templateId))];
  const found = await tx.select({ id: templates.id }).from(templates).where(inArray(templates.id, templateIds));
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
  await tx.insert(sequenceSteps).values(s.steps.map((st, i) => ({ campaignId, stepNumber: i + 1, templateId: st.templateId, delayMinutes: st.delayMinutes, stopOnReply: st.stopOnReply })));
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
 * campaign whose run is under way (its emails are already written).
 */
export async function updateCampaign(db: Database, id: number, input: CampaignSettingsInput, expectedVersion?: number) {
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
    if (active) {
      const steps = await tx.select().from(sequenceSteps).where(eq(sequenceSteps.campaignId, id)).orderBy(asc(sequenceSteps.stepNumber));
      const listRows = await tx.select({ id: campaignLists.listId }).from(campaignLists).where(eq(campaignLists.campaignId, id));
      const sameSteps = JSON.stringify(steps.map((x) => [x.templateId, x.delayMinutes, x.stopOnReply])) === JSON.stringify(s.steps.map((x) => [x.templateId, x.delayMinutes, x.stopOnReply]));
      const sameLists = JSON.stringify(listRows.map((l) => l.id).sort()) === JSON.stringify([...new Set(s.listIds)].sort());
      if (!sameSteps || !sameLists || current.kind !== s.kind) {
        throw new IllegalTransition(`The steps and audience of a ${current.status} campaign cannot change. Cancel it or wait until the run ends, then edit and rerun.`);
      }
    }
    await tx.update(campaigns).set({ ...columnsOf(s), version: sql`${campaigns.version} + 1`, updatedAt: new Date() }).where(eq(campaigns.id, id));
    await writeChildren(tx, id, s);
    return { id };
  });
}

export async function getCampaign(db: Executor, id: number) {
  const [campaign] = await db.select().from(campaigns).where(eq(campaigns.id, id));
  if (!campaign) throw new NotFound("That campaign does not exist.");
  const [steps, audience, senders, currentRun] = await Promise.all([
    db.select({ stepNumber: sequenceSteps.stepNumber, templateId: sequenceSteps.templateId, templateName: templates.name, subject: templates.subject, delayMinutes: sequenceSteps.delayMinutes, stopOnReply: sequenceSteps.stopOnReply })
      .from(sequenceSteps).innerJoin(templates, eq(templates.id, sequenceSteps.templateId))
      .where(eq(sequenceSteps.campaignId, id)).orderBy(asc(sequenceSteps.stepNumber)),
    db.select({ id: lists.id, name: lists.name, members: sql<number>`(select count(*)::int from ${listMembers} where ${listMembers.listId} = ${lists.id})` })
      .from(campaignLists).innerJoin(lists, eq(lists.id, campaignLists.listId)).where(eq(campaignLists.campaignId, id)).orderBy(asc(lists.name)),
    db.select({ id: senderIdentities.id, fromEmail: senderIdentities.fromEmail, fromName: senderIdentities.fromName, dailyCap: senderIdentities.dailyCap })
      .from(campaignSenders).innerJoin(senderIdentities, eq(senderIdentities.id, campaignSenders.senderId)).where(eq(campaignSenders.campaignId, id)),
    campaign.currentRunId
      ? db.select().from(campaignRuns).where(and(eq(campaignRuns.campaignId, id), eq(campaignRuns.id, campaign.currentRunId))).then((r) => r[0] ?? null)
      : Promise.resolve(null),
  ]);
  const [mirror] = await db.execute<{ record_id: string | null; last_pushed_at: string | null; pending: boolean; last_error: string | null }>(sql`
    select l.record_id, l.last_pushed_at::text, o.id is not null as pending, o.last_error
    from (select 1) x
    left join sync_links l on l.campaign_id = ${id} and l.base = 'control'
    left join sync_outbox o on o.base = 'control' and o.record_key = ${`campaign:${id}`}`);
  return {
    ...campaign, rates: ratesOf(campaign), steps, audience, senders, currentRun,
    mirror: { recordId: mirror?.record_id ?? null, lastPushedAt: mirror?.last_pushed_at ?? null, pending: Boolean(mirror?.pending), lastError: mirror?.last_error ?? null },
  };
}

export async function findCampaignByName(db: Executor, name: string) {
  const [row] = await db.select({ id: campaigns.id, name: campaigns.name }).from(campaigns).where(sql`lower(${campaigns.name}) = lower(${name.trim()})`);
  if (!row) throw new NotFound(`No campaign is named "${name}".`);
  return row;
}
