import { and, eq, sql } from "drizzle-orm";
import type { Database, Executor } from "../../db/client";
import { campaignLists, campaigns, campaignSenders, legacyCampaignMap, sequenceSteps } from "../../db/schema";
import { IllegalTransition, NotFound } from "../errors";
import type { StatusSource } from "./lifecycle";

/**
 * Duplicate, archive and delete: what a team does to keep its campaign list
 * tidy. None of them touches a run; each refuses, with a sentence, what would
 * lose history or hide a campaign that is still sending (decision 031).
 */

const FINISHED_OR_DRAFT = ["draft", "completed", "cancelled", "failed"] as const;

async function lockCampaign(tx: Executor, id: number) {
  const [c] = await tx.select().from(campaigns).where(eq(campaigns.id, id)).for("update");
  if (!c) throw new NotFound("That campaign does not exist.");
  return c;
}

/** "Name (copy)", then "Name (copy 2)"…: campaign names are unique regardless of case. */
async function freeCopyName(tx: Executor, name: string): Promise<string> {
  const stem = name.replace(/ \(copy(?: \d+)?\)$/, "").slice(0, 180);
  for (let n = 1; ; n++) {
    const candidate = n === 1 ? `${stem} (copy)` : `${stem} (copy ${n})`;
    const [clash] = await tx.select({ id: campaigns.id }).from(campaigns).where(sql`lower(${campaigns.name}) = lower(${candidate})`);
    if (!clash) return candidate;
  }
}

/** A new draft with the same steps, audience, senders, schedule and pace; no runs, no counters, no start time in the past. */
export async function duplicateCampaign(db: Database, id: number, createdBy?: number): Promise<{ id: number; name: string }> {
  return db.transaction(async (tx) => {
    const c = await lockCampaign(tx, id);
    const name = await freeCopyName(tx, c.name);
    const startAt = c.startAt && c.startAt.getTime() > Date.now() ? c.startAt : null;
    const [row] = await tx.insert(campaigns).values({
      name, kind: c.kind, fromName: c.fromName, fromEmail: c.fromEmail, replyTo: c.replyTo, startAt, timeZone: c.timeZone,
      windowDays: c.windowDays, windowStartHour: c.windowStartHour, windowEndHour: c.windowEndHour, throttlePerMinute: c.throttlePerMinute,
      createdBy: createdBy ?? null,
    }).returning({ id: campaigns.id, name: campaigns.name });
    const copy = row!;
    const steps = await tx.select().from(sequenceSteps).where(eq(sequenceSteps.campaignId, id));
    if (steps.length) await tx.insert(sequenceSteps).values(steps.map((s) => ({ campaignId: copy.id, stepNumber: s.stepNumber, templateId: s.templateId, delayMinutes: s.delayMinutes, stopOnReply: s.stopOnReply })));
    const audience = await tx.select({ listId: campaignLists.listId }).from(campaignLists).where(eq(campaignLists.campaignId, id));
    if (audience.length) await tx.insert(campaignLists).values(audience.map((a) => ({ campaignId: copy.id, listId: a.listId })));
    const senders = await tx.select({ senderId: campaignSenders.senderId }).from(campaignSenders).where(eq(campaignSenders.campaignId, id));
    if (senders.length) await tx.insert(campaignSenders).values(senders.map((s) => ({ campaignId: copy.id, senderId: s.senderId })));
    return copy;
  });
}

/** Hidden from the default list; runs, events and counters stay, and it can be un-archived. Only a campaign that is not sending. */
export async function archiveCampaign(db: Database, id: number, archived: boolean, source: StatusSource = "app") {
  return db.transaction(async (tx) => {
    const c = await lockCampaign(tx, id);
    if (archived && c.archivedAt) throw new IllegalTransition(`"${c.name}" is already archived.`);
    if (!archived && !c.archivedAt) throw new IllegalTransition(`"${c.name}" is not archived.`);
    if (archived && !(FINISHED_OR_DRAFT as readonly string[]).includes(c.status)) {
      throw new IllegalTransition(`"${c.name}" is ${c.status}: pause and cancel it, or let its run complete, before archiving it.`);
    }
    await tx.update(campaigns).set({ archivedAt: archived ? new Date() : null, updatedAt: new Date(), version: sql`${campaigns.version} + 1`, statusSource: source })
      .where(eq(campaigns.id, id));
    return { id, name: c.name, archived };
  });
}

/** Only a draft that never ran and holds no imported history: anything else has a record worth keeping (archive it instead). */
export async function deleteDraftCampaign(db: Database, id: number) {
  return db.transaction(async (tx) => {
    const c = await lockCampaign(tx, id);
    if (c.status !== "draft" || c.lifetimeRuns > 0) {
      throw new IllegalTransition(`"${c.name}" is ${c.status}${c.lifetimeRuns ? ` with ${c.lifetimeRuns} run${c.lifetimeRuns === 1 ? "" : "s"}` : ""}: only a draft that never ran can be deleted. Archive it to hide it and keep its history.`);
    }
    const [legacy] = await tx.select({ n: sql<number>`count(*)::int` }).from(legacyCampaignMap).where(and(eq(legacyCampaignMap.campaignId, id)));
    if (legacy?.n) throw new IllegalTransition(`"${c.name}" holds imported legacy history: archive it instead of deleting it.`);
    await tx.delete(campaigns).where(eq(campaigns.id, id));
    return { id, name: c.name };
  });
}
