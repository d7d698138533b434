import { sql } from "drizzle-orm";
import type { Executor } from "../../db/client";
import { smsRatesOf } from "../../shared/sms-rates";

/**
 * SMS totals for a date range (UTC days), for one campaign or all, from the
 * daily stats the send path and the webhooks bump with the events (campaign_daily_stats, by its day index).
 */
export async function smsTotals(db: Executor, q: { campaignId?: number; from: string; to: string }) {
  const [row] = await db.execute<{ sms_sent: number; sms_delivered: number; sms_failed: number; sms_replied: number; sms_opted_out: number }>(sql`
    select coalesce(sum(sms_sent), 0)::int as sms_sent, coalesce(sum(sms_delivered), 0)::int as sms_delivered, coalesce(sum(sms_failed), 0)::int as sms_failed,
           coalesce(sum(sms_replied), 0)::int as sms_replied, coalesce(sum(sms_opted_out), 0)::int as sms_opted_out
    from campaign_daily_stats
    where day between ${q.from}::date and ${q.to}::date ${q.campaignId ? sql`and campaign_id = ${q.campaignId}` : sql``}`);
  const totals = { smsSent: row!.sms_sent, smsDelivered: row!.sms_delivered, smsFailed: row!.sms_failed, smsReplied: row!.sms_replied, smsOptedOut: row!.sms_opted_out };
  return { ...totals, rates: smsRatesOf(totals) };
}
