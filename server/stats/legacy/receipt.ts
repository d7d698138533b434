import { sql } from "drizzle-orm";
import type { Executor } from "../../../db/client";
import { METRICS } from "./source";

type Check = { compared: number; differing: number };

export interface LegacyReceipt {
  legacyId: string;
  sourceTable: string;
  importedAt: string;
  runNumber: number;
  dimensions: Record<string, unknown[]>;
  /** Per metric: what the source had for this legacy id, what Herald holds now. */
  metrics: Array<{ metric: string; source: number; herald: number }>;
  /** The import's checks, as recorded when it committed. */
  checks: { campaigns: Check; campaignDays: Check; day: Check; week: Check; month: Check };
  notImported: Array<{ column: string; reason: string }>;
}

/** The import receipts behind a campaign's legacy history (none for a campaign without any). */
export async function legacyReceipts(db: Executor, campaignId: number): Promise<LegacyReceipt[]> {
  const rows = await db.execute<Record<string, unknown>>(sql`
    select m.legacy_id, m.source_table, to_char(i.imported_at at time zone 'UTC', 'YYYY-MM-DD HH24:MI "UTC"') as imported_at, r.run_number, m.dimensions,
      m.source_totals::text[] as source, i.receipt, ${sql.raw(METRICS.map((x) => `(select coalesce(sum(d.${x}), 0)::bigint from legacy_daily_stats d where d.series_id = m.id) as ${x}`).join(", "))}
    from legacy_campaign_map m join legacy_imports i on i.id = m.import_id join campaign_runs r on r.campaign_id = m.campaign_id and r.id = m.run_id
    where m.campaign_id = ${campaignId} order by i.imported_at, m.legacy_id`);
  return rows.map((r) => {
    const receipt = r.receipt as Record<string, unknown>;
    const check = (k: string) => ({ compared: Number((receipt[k] as Check | undefined)?.compared ?? 0), differing: Number((receipt[k] as Check | undefined)?.differing ?? 0) });
    return {
      legacyId: String(r.legacy_id), sourceTable: String(r.source_table), importedAt: String(r.imported_at), runNumber: Number(r.run_number),
      dimensions: r.dimensions as Record<string, unknown[]>,
      metrics: METRICS.map((m, i) => ({ metric: m, source: Number((r.source as string[])[i]), herald: Number(r[m]) })),
      checks: { campaigns: check("campaigns"), campaignDays: check("campaignDays"), day: check("day"), week: check("week"), month: check("month") },
      notImported: (receipt.notImported as LegacyReceipt["notImported"] | undefined) ?? [],
    };
  });
}
