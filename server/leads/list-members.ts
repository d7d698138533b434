import { and, asc, count, eq, ilike, or } from "drizzle-orm";
import { z } from "zod";
import type { Executor } from "../../db/client";
import { leads, listMembers, lists } from "../../db/schema";
import { csvDocument } from "../lib/csv";
import { NotFound } from "../errors";

export const listMembersInput = z.object({
  listId: z.number().int().positive(),
  q: z.string().trim().max(200).optional(),
  page: z.number().int().min(1).default(1),
  pageSize: z.number().int().min(1).max(200).default(50),
});

const matching = (q: string | undefined) => {
  if (!q) return undefined;
  const like = `%${q.replace(/[%_\\]/g, "\\$&")}%`;
  return or(ilike(leads.email, like), ilike(leads.firstName, like), ilike(leads.lastName, like), ilike(leads.company, like));
};

/** A list with one page of its members (searchable), and whether each is suppressed. */
export async function listWithMembers(db: Executor, raw: z.input<typeof listMembersInput>) {
  const q = listMembersInput.parse(raw);
  const [list] = await db.select().from(lists).where(eq(lists.id, q.listId));
  if (!list) throw new NotFound("That list does not exist.");
  const where = and(eq(listMembers.listId, q.listId), matching(q.q));
  const [rows, [total], [all]] = await Promise.all([
    db.select({ id: leads.id, email: leads.email, firstName: leads.firstName, lastName: leads.lastName, company: leads.company, status: leads.status, addedAt: listMembers.createdAt })
      .from(listMembers).innerJoin(leads, eq(leads.id, listMembers.leadId)).where(where)
      .orderBy(asc(leads.email)).limit(q.pageSize).offset((q.page - 1) * q.pageSize),
    db.select({ n: count() }).from(listMembers).innerJoin(leads, eq(leads.id, listMembers.leadId)).where(where),
    db.select({ n: count() }).from(listMembers).where(eq(listMembers.listId, q.listId)),
  ]);
  return { list: { ...list, members: all?.n ?? 0 }, page: q.page, pageSize: q.pageSize, total: total?.n ?? 0, members: rows };
}

/** Every member of a list as CSV, safe to open in a spreadsheet (no cell runs as a formula). */
export async function listMembersCsv(db: Executor, listId: number): Promise<{ filename: string; csv: string }> {
  const [list] = await db.select().from(lists).where(eq(lists.id, listId));
  if (!list) throw new NotFound("That list does not exist.");
  const rows = await db.select({ email: leads.email, firstName: leads.firstName, lastName: leads.lastName, company: leads.company, timeZone: leads.timeZone, status: leads.status, attributes: leads.attributes })
    .from(listMembers).innerJoin(leads, eq(leads.id, listMembers.leadId)).where(eq(listMembers.listId, listId)).orderBy(asc(leads.email));
  const extra = [...new Set(rows.flatMap((r) => Object.keys(r.attributes)))].sort();
  const csv = csvDocument(
    ["email", "first_name", "last_name", "company", "time_zone", "status", ...extra],
    rows.map((r) => [r.email, r.firstName, r.lastName, r.company, r.timeZone, r.status, ...extra.map((k) => r.attributes[k] ?? "")]),
  );
  const slug = list.name.toLowerCase().replace(/[^a-z0-9]+/g, "-").replace(/^-|-$/g, "") || `list-${list.id}`;
  return { filename: `${slug}.csv`, csv };
}
