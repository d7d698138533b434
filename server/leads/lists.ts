import { asc, count, eq, sql } from "drizzle-orm";
import { z } from "zod";
import type { Executor } from "../../db/client";
import { listMembers, lists } from "../../db/schema";
import { Conflict, NotFound } from "../errors";

export const newListInput = z.object({
  name: z.string().trim().min(1, "Give the list a name").max(200),
  description: z.string().trim().max(1000).default(""),
});

export async function createList(db: Executor, input: z.input<typeof newListInput>) {
  const { name, description } = newListInput.parse(input);
  const [existing] = await db.select({ id: lists.id }).from(lists).where(sql`lower(${lists.name}) = lower(${name})`);
  if (existing) throw new Conflict(`A list named "${name}" already exists.`);
  const [row] = await db.insert(lists).values({ name, description }).returning();
  return row!;
}

/** The list with this name (any case), created when it does not exist yet. */
export async function listByName(db: Executor, name: string) {
  const trimmed = name.trim();
  await db.execute(sql`insert into lists (name) values (${trimmed}) on conflict ((lower(name))) do nothing`);
  const [row] = await db.select().from(lists).where(sql`lower(${lists.name}) = lower(${trimmed})`);
  return row!;
}

export async function listLists(db: Executor) {
  return db
    .select({ id: lists.id, name: lists.name, description: lists.description, members: count(listMembers.leadId), createdAt: lists.createdAt })
    .from(lists)
    .leftJoin(listMembers, eq(listMembers.listId, lists.id))
    .groupBy(lists.id)
    .orderBy(asc(lists.name));
}

export async function getList(db: Executor, id: number) {
  const [row] = await db.select().from(lists).where(eq(lists.id, id));
  if (!row) throw new NotFound("That list does not exist.");
  return row;
}
