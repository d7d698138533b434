import { and, asc, count, desc, eq, ilike, isNotNull, isNull, type SQL } from "drizzle-orm";
import { z } from "zod";
import type { Database } from "../../db/client";
import { campaignRuns, campaigns, campaignStatus } from "../../db/schema";
import { smsRatesOf } from "../../shared/sms-rates";
import { ratesOf } from "../stats/rates";

export const campaignListInput = z.object({
  status: z.enum(campaignStatus.enumValues).optional(),
  search: z.string().trim().max(200).optional(),
  page: z.number().int().min(1).default(1),
  pageSize: z.number().int().min(1).max(200).default(50),
  /** Archived campaigns are hidden unless asked for. */
  archived: z.enum(["hide", "only", "all"]).default("hide"),
});
export type CampaignListInput = z.input<typeof campaignListInput>;

export async function listCampaigns(db: Database, rawInput: CampaignListInput) {
  const input = campaignListInput.parse(rawInput);
  const filters: SQL[] = [];
  if (input.status) filters.push(eq(campaigns.status, input.status));
  if (input.search) filters.push(ilike(campaigns.name, `%${input.search.replace(/[%_\\]/g, "\\$&")}%`));
  const visible = input.archived === "hide" ? isNull(campaigns.archivedAt) : input.archived === "only" ? isNotNull(campaigns.archivedAt) : undefined;
  if (visible) filters.push(visible);
  const where = filters.length ? and(...filters) : undefined;

  const [rows, [total], statusCounts, [archived]] = await Promise.all([
    db
      .select({
        id: campaigns.id,
        name: campaigns.name,
        kind: campaigns.kind,
        status: campaigns.status,
        statusSource: campaigns.statusSource,
        statusChangedAt: campaigns.statusChangedAt,
        lifetimeRuns: campaigns.lifetimeRuns,
        sent: campaigns.sent,
        delivered: campaigns.delivered,
        failed: campaigns.failed,
        opened: campaigns.opened,
        clicked: campaigns.clicked,
        replied: campaigns.replied,
        bounced: campaigns.bounced,
        complained: campaigns.complained,
        unsubscribed: campaigns.unsubscribed,
        peopleSent: campaigns.peopleSent,
        peopleBounced: campaigns.peopleBounced,
        humanOpened: campaigns.humanOpened,
        humanClicked: campaigns.humanClicked,
        smsSent: campaigns.smsSent,
        smsDelivered: campaigns.smsDelivered,
        smsFailed: campaigns.smsFailed,
        smsReplied: campaigns.smsReplied,
        smsOptedOut: campaigns.smsOptedOut,
        peopleTexted: campaigns.peopleTexted,
        peopleTextDelivered: campaigns.peopleTextDelivered,
        lastRunAt: campaigns.lastRunAt,
        lastRunResult: campaigns.lastRunResult,
        archivedAt: campaigns.archivedAt,
        run: {
          id: campaignRuns.id,
          runNumber: campaignRuns.runNumber,
          status: campaignRuns.status,
          scheduledCount: campaignRuns.scheduledCount,
          sent: campaignRuns.sent,
          failed: campaignRuns.failed,
          smsSent: campaignRuns.smsSent,
          smsFailed: campaignRuns.smsFailed,
        },
      })
      .from(campaigns)
      .leftJoin(campaignRuns, and(eq(campaignRuns.campaignId, campaigns.id), eq(campaignRuns.id, campaigns.currentRunId)))
      .where(where)
      .orderBy(desc(campaigns.updatedAt), asc(campaigns.id))
      .limit(input.pageSize)
      .offset((input.page - 1) * input.pageSize),
    db.select({ n: count() }).from(campaigns).where(where),
    db.select({ status: campaigns.status, n: count() }).from(campaigns).where(visible).groupBy(campaigns.status),
    db.select({ n: count() }).from(campaigns).where(isNotNull(campaigns.archivedAt)),
  ]);

  return {
    total: total?.n ?? 0,
    page: input.page,
    pageSize: input.pageSize,
    archivedCount: archived?.n ?? 0,
    byStatus: Object.fromEntries(statusCounts.map((s) => [s.status, s.n])) as Partial<Record<string, number>>,
    campaigns: rows.map((r) => ({
      ...r,
      run: r.run?.id ? { ...r.run, ...runLeft(r.run) } : null,
      rates: ratesOf(r),
      smsRates: smsRatesOf(r),
    })),
  };
}

const UNDER_WAY = ["PENDING", "SCHEDULED", "SENDING", "PAUSED"];
/** What is still to go out, and what never will: a cancelled or failed run has nothing "remaining". */
export function runLeft(run: { status: string; scheduledCount: number; sent: number; failed: number; smsSent?: number; smsFailed?: number }) {
  // Scheduled messages of both channels; a text refused at send counts in sms_failed (a later undelivered one too, so never below 0).
  const left = Math.max(0, run.scheduledCount - run.sent - run.failed - (run.smsSent ?? 0) - (run.smsFailed ?? 0));
  return UNDER_WAY.includes(run.status) ? { remaining: left, neverSent: 0 } : { remaining: 0, neverSent: left };
}
