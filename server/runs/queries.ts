import { and, asc, count, desc, eq, ilike, sql } from "drizzle-orm";
import { z } from "zod";
import type { Executor } from "../../db/client";
import { csvCell } from "../lib/csv";
import { campaignRuns, outboxMessages, runRecipients } from "../../db/schema";
import { NotFound } from "../errors";
import { recipientFilters, recipientsWhere } from "./engagement";
import { recipientTally } from "./tallies";
import { ratesOf } from "../stats/rates";

export async function listRuns(db: Executor, campaignId: number) {
  const rows = await db.select().from(campaignRuns).where(eq(campaignRuns.campaignId, campaignId)).orderBy(desc(campaignRuns.runNumber));
  return rows.map((r) => ({ ...r, rates: ratesOf(r) }));
}

/** A run's number as input: run_number is an integer column, so a larger number is no run at all (not a database error). */
export const runNumberField = z.number().int().positive().max(2_147_483_647, "There is no such run.");

/** A run's row and rates (one indexed read; its emails by status are in runTimeline). */
export async function getRun(db: Executor, campaignId: number, runNumber: number) {
  const [run] = await db.select().from(campaignRuns).where(and(eq(campaignRuns.campaignId, campaignId), eq(campaignRuns.runNumber, runNumber)));
  if (!run) throw new NotFound(`This campaign has no run ${runNumber}.`);
  return { ...run, rates: ratesOf(run) };
}

export const recipientsInput = recipientFilters.extend({
  campaignId: z.number().int().positive(),
  runNumber: runNumberField,
  page: z.number().int().min(1).max(1_000_000).default(1),
  pageSize: z.number().int().min(1).max(500).default(50),
});

/**
 * One page of a run's recipients, in the order their leads were added (the
 * run's unique key (campaign, run, lead) walks it: page 900 of a 100,000
 * recipient run reads 45,000 index entries, sorts nothing, and a send adds no
 * index entry; decision 036). Counts by status and by what people did come
 * from the run's tally (shared for 15 s on large runs), and so does the
 * page count unless the list is searched: a search counts its own matches
 * in the same scan.
 */
export async function runRecipientsPage(db: Executor, input: z.input<typeof recipientsInput>) {
  const q = recipientsInput.parse(input);
  const run = await getRun(db, q.campaignId, q.runNumber);
  const where = recipientsWhere(q.campaignId, run.id, q);
  const offset = (q.page - 1) * q.pageSize;
  const [found, tally] = await Promise.all([
    db.select({ row: runRecipients, total: q.search ? sql<number | null>`(count(*) over ())::int` : sql<null>`null` })
      .from(runRecipients).where(where).orderBy(asc(runRecipients.leadId)).limit(q.pageSize).offset(offset),
    recipientTally(db, q.campaignId, run.id, run.recipients),
  ]);
  let total: number;
  if (q.search) {
    // Past the last match the window has no row to carry the count: count apart (rare: a stale link).
    total = found[0]?.total ?? (offset ? ((await db.select({ n: count() }).from(runRecipients).where(where))[0]?.n ?? 0) : 0);
  } else if (q.status && q.engagement) total = tally.byStatusEngagement[q.status]?.[q.engagement] ?? 0;
  else if (q.status) total = tally.byStatus[q.status] ?? 0;
  else if (q.engagement) total = tally.byEngagement[q.engagement];
  else total = Object.values(tally.byStatus).reduce((a, b) => a + b, 0);
  return { run, total, page: q.page, pageSize: q.pageSize, byStatus: tally.byStatus, byEngagement: tally.byEngagement, recipients: found.map((f) => f.row) };
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
