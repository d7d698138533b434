import { and, asc, count, eq, ilike, or, sql } from "drizzle-orm";
import { z } from "zod";
import type { Executor } from "../../db/client";
import { leads, listMembers, lists } from "../../db/schema";
import { NotFound } from "../errors";

export const leadSearchInput = z.object({ q: z.string().trim().max(200).optional(), page: z.number().int().min(1).default(1) });

export async function searchLeads(db: Executor, raw: z.input<typeof leadSearchInput>) {
  const q = leadSearchInput.parse(raw);
  const like = q.q ? `%${q.q.replace(/[%_\\]/g, "\\$&")}%` : null;
  const where = like ? or(ilike(leads.email, like), ilike(leads.firstName, like), ilike(leads.lastName, like), ilike(leads.company, like)) : undefined;
  const [rows, [total]] = await Promise.all([
    db.select().from(leads).where(where).orderBy(asc(leads.email)).limit(50).offset((q.page - 1) * 50),
    db.select({ n: count() }).from(leads).where(where),
  ]);
  return { page: q.page, pageSize: 50, total: total?.n ?? 0, leads: rows };
}

/** A lead with its lists, the runs that mailed it, and its event timeline (newest first). */
export async function getLead(db: Executor, id: number) {
  const [lead] = await db.select().from(leads).where(eq(leads.id, id));
  if (!lead) throw new NotFound("That lead does not exist.");
  const [memberOf, runs, events, suppression] = await Promise.all([
    db.select({ id: lists.id, name: lists.name }).from(listMembers).innerJoin(lists, eq(lists.id, listMembers.listId)).where(and(eq(listMembers.leadId, id))).orderBy(asc(lists.name)),
    db.execute<{ campaign_id: number; campaign: string; run_number: number; status: string; first_sent_at: string | null; first_opened_at: string | null; replied_at: string | null }>(sql`
      select r.campaign_id, c.name as campaign, cr.run_number, r.status, r.first_sent_at::text, r.first_opened_at::text, r.replied_at::text
      from run_recipients r join campaigns c on c.id = r.campaign_id join campaign_runs cr on cr.campaign_id = r.campaign_id and cr.id = r.run_id
      where r.lead_id = ${id} order by r.created_at desc limit 100`),
    db.execute<{ type: string; occurred_at: string; campaign: string; campaign_id: number; run_number: number; machine: boolean; data: Record<string, unknown> }>(sql`
      select e.type, e.occurred_at::text, c.name as campaign, e.campaign_id, cr.run_number, e.machine, e.data
      from run_recipients r
      join email_events_judged e on e.campaign_id = r.campaign_id and e.recipient_id = r.id
      join campaigns c on c.id = e.campaign_id
      join campaign_runs cr on cr.campaign_id = e.campaign_id and cr.id = e.run_id
      where r.lead_id = ${id}
      order by e.occurred_at desc limit 200`),
    db.execute<{ reason: string; created_at: string }>(sql`select reason, created_at::text from suppressions where lower(email) = lower(${lead.email})`),
  ]);
  return { ...lead, lists: memberOf, runs, events, suppression: suppression[0] ?? null };
}
