import { and, asc, count, desc, eq, ilike, sql } from "drizzle-orm";
import { z } from "zod";
import type { Executor } from "../../db/client";
import { csvCell } from "../lib/csv";
import { campaignRuns, outboxMessages, runRecipients, scheduledEmails } from "../../db/schema";
import { NotFound } from "../errors";
import { engagementCounts, recipientFilters, recipientsWhere } from "./engagement";
import { ratesOf } from "../stats/rates";

export async function listRuns(db: Executor, campaignId: number) {
  const rows = await db.select().from(campaignRuns).where(eq(campaignRuns.campaignId, campaignId)).orderBy(desc(campaignRuns.runNumber));
  return rows.map((r) => ({ ...r, rates: ratesOf(r) }));
}

export async function getRun(db: Executor, campaignId: number, runNumber: number) {
  const [run] = await db.select().from(campaignRuns).where(and(eq(campaignRuns.campaignId, campaignId), eq(campaignRuns.runNumber, runNumber)));
  if (!run) throw new NotFound(`This campaign has no run ${runNumber}.`);
  const emails = await db
    .select({ status: scheduledEmails.status, n: count() })
    .from(scheduledEmails)
    .where(and(eq(scheduledEmails.campaignId, campaignId), eq(scheduledEmails.runId, run.id)))
    .groupBy(scheduledEmails.status);
  return { ...run, rates: ratesOf(run), emails: Object.fromEntries(emails.map((e) => [e.status, e.n])) as Record<string, number> };
}

export const recipientsInput = recipientFilters.extend({
  campaignId: z.number().int().positive(),
  runNumber: z.number().int().positive(),
  page: z.number().int().min(1).default(1),
  pageSize: z.number().int().min(1).max(500).default(50),
});

export async function runRecipientsPage(db: Executor, input: z.input<typeof recipientsInput>) {
  const q = recipientsInput.parse(input);
  const run = await getRun(db, q.campaignId, q.runNumber);
  const where = recipientsWhere(q.campaignId, run.id, q);
  const [rows, [total], byStatus, byEngagement] = await Promise.all([
    db.select().from(runRecipients).where(where).orderBy(asc(runRecipients.email)).limit(q.pageSize).offset((q.page - 1) * q.pageSize),
    db.select({ n: count() }).from(runRecipients).where(where),
    db.select({ status: runRecipients.status, n: count() }).from(runRecipients).where(and(eq(runRecipients.campaignId, q.campaignId), eq(runRecipients.runId, run.id))).groupBy(runRecipients.status),
    engagementCounts(db, q.campaignId, run.id),
  ]);
  return { run, total: total?.n ?? 0, page: q.page, pageSize: q.pageSize, byStatus: Object.fromEntries(byStatus.map((b) => [b.status, b.n])) as Record<string, number>, byEngagement, recipients: rows };
}


/** The failed recipients of a run as CSV, with the last error of each. */
export async function failedRecipientsCsv(db: Executor, campaignId: number, runNumber: number): Promise<string> {
  const run = await getRun(db, campaignId, runNumber);
  const rows = await db
    .select({ email: runRecipients.email, error: runRecipients.lastError, updatedAt: runRecipients.updatedAt })
    .from(runRecipients)
    .where(and(eq(runRecipients.campaignId, campaignId), eq(runRecipients.runId, run.id), eq(runRecipients.status, "failed")))
    .orderBy(asc(runRecipients.email));
  return ["email,error,failed_at", ...rows.map((r) => [r.email, r.error, r.updatedAt].map(csvCell).join(","))].join("\n") + "\n";
}

export async function listOutbox(db: Executor, options: { page?: number; search?: string } = {}) {
  const page = Math.max(1, options.page ?? 1);
  const where = options.search ? ilike(outboxMessages.toAddress, `%${options.search.replace(/[%_\\]/g, "\\$&")}%`) : undefined;
  const [rows, [total]] = await Promise.all([
    db.select().from(outboxMessages).where(where).orderBy(desc(outboxMessages.createdAt), desc(outboxMessages.id)).limit(25).offset((page - 1) * 25),
    db.select({ n: sql<number>`count(*)::int` }).from(outboxMessages).where(where),
  ]);
  return { page, total: total?.n ?? 0, messages: rows };
}
