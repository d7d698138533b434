import { and, eq, inArray, sql } from "drizzle-orm";
import { z } from "zod";
import type { Database, Executor } from "../../db/client";
import { leads, listMembers, lists } from "../../db/schema";
import { Conflict, IllegalTransition, NotFound, ValidationFailed } from "../errors";
import { normalisePhone } from "../sms/phone";
import { isValidTimeZone } from "./timezones";

const optionalText = z.string().trim().max(200).transform((v) => v || null).nullable().optional();

/** One schema for the lead form and the router. */
export const leadFieldsInput = z.object({
  email: z.email("Enter a valid email address").trim().max(254).transform((v) => v.toLowerCase()),
  firstName: optionalText,
  lastName: optionalText,
  company: optionalText,
  timeZone: z.string().trim().max(64).transform((v) => v || null).nullable().optional()
    .refine((v) => v == null || isValidTimeZone(v), "Use a time zone name like Europe/Berlin, or leave it empty for the campaign's"),
  /** Any common notation; stored as E.164 (+14155550123). Empty: no phone, SMS steps skip the lead. */
  phone: z.string().trim().max(40).nullable().optional().transform((v, ctx) => {
    if (!v) return null;
    const phone = normalisePhone(v, process.env.SMS_DEFAULT_COUNTRY);
    if (phone.ok) return phone.e164;
    ctx.addIssue({ code: "custom", message: `The phone number ${phone.reason}` });
    return z.NEVER;
  }),
  listIds: z.array(z.number().int().positive()).max(500).optional(),
});
export type LeadFields = z.input<typeof leadFieldsInput>;

async function assertEmailFree(tx: Executor, email: string, exceptId?: number) {
  const [clash] = await tx.select({ id: leads.id }).from(leads).where(sql`lower(${leads.email}) = lower(${email})`);
  if (clash && clash.id !== exceptId) throw new Conflict(`A lead with ${email} already exists.`);
}

async function setLists(tx: Executor, leadId: number, listIds: number[]) {
  const wanted = [...new Set(listIds)];
  if (wanted.length) {
    const found = await tx.select({ id: lists.id }).from(lists).where(inArray(lists.id, wanted));
    if (found.length !== wanted.length) throw new ValidationFailed("A chosen list does not exist.", { listIds: ["Choose existing lists"] });
  }
  await tx.delete(listMembers).where(wanted.length ? and(eq(listMembers.leadId, leadId), sql`${listMembers.listId} <> all(${`{${wanted.join(",")}}`}::bigint[])`) : eq(listMembers.leadId, leadId));
  if (wanted.length) await tx.insert(listMembers).values(wanted.map((listId) => ({ listId, leadId }))).onConflictDoNothing();
}

/** The stored phone and the zone its country suggests (SMS quiet hours when the lead has no time zone). */
const phoneFields = (phone: string | null | undefined) => ({ phone: phone ?? null, phoneTimeZone: phone ? (normalisePhone(phone) as { timeZone?: string | null }).timeZone ?? null : null });

export async function addLead(db: Database, raw: LeadFields) {
  const input = leadFieldsInput.parse(raw);
  return db.transaction(async (tx) => {
    await assertEmailFree(tx, input.email);
    const [row] = await tx.insert(leads).values({ email: input.email, firstName: input.firstName ?? null, lastName: input.lastName ?? null, company: input.company ?? null, timeZone: input.timeZone ?? null, ...phoneFields(input.phone) }).returning({ id: leads.id, email: leads.email });
    if (input.listIds) await setLists(tx, row!.id, input.listIds);
    return row!;
  });
}

/** Changes the lead's own fields and, when given, exactly which lists it is in. Runs already started keep what they sent. */
export async function updateLead(db: Database, id: number, raw: LeadFields) {
  const input = leadFieldsInput.parse(raw);
  return db.transaction(async (tx) => {
    const [lead] = await tx.select({ id: leads.id }).from(leads).where(eq(leads.id, id)).for("update");
    if (!lead) throw new NotFound("That lead does not exist.");
    await assertEmailFree(tx, input.email, id);
    await tx.update(leads).set({ email: input.email, firstName: input.firstName ?? null, lastName: input.lastName ?? null, company: input.company ?? null, timeZone: input.timeZone ?? null, ...(input.phone !== undefined ? phoneFields(input.phone) : {}), updatedAt: new Date() }).where(eq(leads.id, id));
    if (input.listIds) await setLists(tx, id, input.listIds);
    return { id };
  });
}

export async function removeFromList(db: Executor, listId: number, leadIds: number[]) {
  if (!leadIds.length) return { removed: 0 };
  const removed = await db.delete(listMembers).where(and(eq(listMembers.listId, listId), inArray(listMembers.leadId, leadIds))).returning({ leadId: listMembers.leadId });
  return { removed: removed.length };
}

/**
 * Deletes a lead and anonymises its history (decision 032): the lead, its list
 * memberships and its Outbox copies go; its runs keep their recipients and
 * events, so every counter still equals the event log, but the address is
 * replaced and IPs and user agents are dropped. A suppression stays: it is
 * the person's request never to be mailed, and must outlive the lead.
 * Refused while one of its emails still waits to be sent.
 */
export async function deleteLead(db: Database, id: number) {
  return db.transaction(async (tx) => {
    const [lead] = await tx.select().from(leads).where(eq(leads.id, id)).for("update");
    if (!lead) throw new NotFound("That lead does not exist.");
    const [waiting] = await tx.execute<{ n: number }>(sql`
      select count(*)::int as n from scheduled_emails e join run_recipients r on r.campaign_id = e.campaign_id and r.id = e.recipient_id
      where r.lead_id = ${id} and e.status in ('pending', 'paused', 'sending')`);
    if (waiting?.n) throw new IllegalTransition(`${lead.email} still has ${waiting.n} email${waiting.n === 1 ? "" : "s"} waiting in a run: cancel that run, or wait until it has finished, before deleting the lead.`);
    const placeholder = `deleted-lead-${id}@anonymised.invalid`;
    await tx.execute(sql`
      -- Detached (lead_id = -id, which no lead has) so the leads delete trigger that cascades to run_recipients leaves them alone.
      with recipients as (update run_recipients set email = ${placeholder}, lead_id = -lead_id, updated_at = now() where lead_id = ${id} returning campaign_id, id)
      update email_events e set ip = null, user_agent = null from recipients r where e.campaign_id = r.campaign_id and e.recipient_id = r.id`);
    await tx.execute(sql`delete from outbox_messages where lower(to_address) = lower(${lead.email})`);
    await tx.delete(leads).where(eq(leads.id, id));
    return { id, email: lead.email };
  });
}
