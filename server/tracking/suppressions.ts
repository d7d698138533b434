import { and, count, desc, eq, ilike } from "drizzle-orm";
import { z } from "zod";
import type { Database } from "../../db/client";
import { suppressions } from "../../db/schema";
import { IllegalTransition, NotFound } from "../errors";
import { suppressAddress } from "./suppress";

export const suppressionListInput = z.object({ search: z.string().trim().max(200).optional(), page: z.number().int().min(1).default(1) });

export async function listSuppressions(db: Database, raw: z.input<typeof suppressionListInput>) {
  const q = suppressionListInput.parse(raw);
  const where = q.search ? ilike(suppressions.email, `%${q.search.replace(/[%_\\]/g, "\\$&")}%`) : undefined;
  const [rows, [total]] = await Promise.all([
    db.select().from(suppressions).where(where).orderBy(desc(suppressions.createdAt), desc(suppressions.id)).limit(50).offset((q.page - 1) * 50),
    db.select({ n: count() }).from(suppressions).where(where),
  ]);
  return { page: q.page, total: total?.n ?? 0, suppressions: rows };
}

export const addSuppressionInput = z.object({ email: z.email("Enter a valid email address"), note: z.string().trim().max(500).default("") });

export async function addManualSuppression(db: Database, raw: z.input<typeof addSuppressionInput>) {
  const { email, note } = addSuppressionInput.parse(raw);
  return db.transaction((tx) => suppressAddress(tx, email, "manual", { note }));
}

/** Only manual suppressions can be lifted: an unsubscribe, a hard bounce or a complaint is the recipient's or the network's word. */
export async function liftSuppression(db: Database, id: number) {
  const [row] = await db.select().from(suppressions).where(eq(suppressions.id, id));
  if (!row) throw new NotFound("That suppression does not exist.");
  if (row.reason !== "manual") {
    throw new IllegalTransition(`${row.email} is suppressed because of ${row.reason.replace("_", " ")}: only manual suppressions can be lifted.`);
  }
  await db.delete(suppressions).where(and(eq(suppressions.id, id), eq(suppressions.reason, "manual")));
  return { email: row.email };
}
