import { and, asc, eq, ilike, sql, type SQL } from "drizzle-orm";
import { z } from "zod";
import type { Executor } from "../../db/client";
import { csvCell } from "../lib/csv";
import { recipientStatus, runRecipients } from "../../db/schema";

/**
 * What a run's recipients did, as filters of the recipients list and its CSV
 * export. "As a person": machine opens and clicks (privacy proxies, link
 * scanners) are left out (docs/decisions/020).
 */
export const ENGAGEMENT_FILTERS = {
  human_opened: "opened as a person",
  human_clicked: "clicked as a person",
  not_human_opened: "mailed, did not open as a person",
  not_human_clicked: "mailed, did not click as a person",
  replied: "replied",
  bounced: "bounced",
  unsubscribed: "unsubscribed",
} as const;
export type EngagementFilter = keyof typeof ENGAGEMENT_FILTERS;
export const engagementFilter = z.enum(Object.keys(ENGAGEMENT_FILTERS) as [EngagementFilter, ...EngagementFilter[]]);

export function engagementCondition(filter: EngagementFilter): SQL {
  const r = runRecipients;
  return {
    human_opened: sql`${r.humanOpenedAt} is not null`,
    human_clicked: sql`${r.humanClickedAt} is not null`,
    not_human_opened: sql`${r.firstSentAt} is not null and ${r.humanOpenedAt} is null`,
    not_human_clicked: sql`${r.firstSentAt} is not null and ${r.humanClickedAt} is null`,
    replied: sql`${r.repliedAt} is not null`,
    bounced: sql`(${r.bouncedAt} is not null or ${r.status} = 'bounced')`,
    unsubscribed: sql`${r.status} = 'unsubscribed'`,
  }[filter];
}

/** The filters a recipients list and its export share: status, what they did, an address search. */
export const recipientFilters = z.object({
  status: z.enum(recipientStatus.enumValues).optional(),
  engagement: engagementFilter.optional(),
  search: z.string().trim().max(200).optional(),
});

export function recipientsWhere(campaignId: number, runId: number, f: z.infer<typeof recipientFilters>): SQL {
  const filters: SQL[] = [eq(runRecipients.campaignId, campaignId), eq(runRecipients.runId, runId)];
  if (f.status) filters.push(eq(runRecipients.status, f.status));
  if (f.engagement) filters.push(engagementCondition(f.engagement));
  if (f.search) filters.push(ilike(runRecipients.email, `%${f.search.replace(/[%_\\]/g, "\\$&")}%`));
  return and(...filters)!;
}

/** The recipients of a run that match the filters, as CSV: what each did and when. */
export async function recipientsCsv(db: Executor, campaignId: number, runId: number, f: z.infer<typeof recipientFilters>): Promise<string> {
  const r = runRecipients;
  const rows = await db
    .select({
      email: r.email, status: r.status, firstSentAt: r.firstSentAt, humanOpenedAt: r.humanOpenedAt, humanClickedAt: r.humanClickedAt,
      firstOpenedAt: r.firstOpenedAt, firstClickedAt: r.firstClickedAt, repliedAt: r.repliedAt, bouncedAt: r.bouncedAt, lastError: r.lastError,
    })
    .from(r)
    .where(recipientsWhere(campaignId, runId, f))
    .orderBy(asc(r.email));
  const header = "email,status,first_sent_at,human_opened_at,human_clicked_at,opened_at_any,clicked_at_any,replied_at,bounced_at,last_error";
  return [header, ...rows.map((x) => [x.email, x.status, x.firstSentAt, x.humanOpenedAt, x.humanClickedAt, x.firstOpenedAt, x.firstClickedAt, x.repliedAt, x.bouncedAt, x.lastError].map(csvCell).join(","))].join("\n") + "\n";
}
