import { sql } from "drizzle-orm";

export const RUN_AUDIENCES = ["everyone", "failed", "not_opened", "not_clicked", "not_mailed", "not_human_opened", "not_human_clicked"] as const;
export type RunAudience = (typeof RUN_AUDIENCES)[number];

/** Who each rerun choice means, in plain words (the pre-flight and the refusal say it). */
export const AUDIENCE_LABELS: Record<RunAudience, string> = {
  everyone: "everyone in the audience",
  failed: "only failed recipients",
  not_opened: "only those mailed who did not open",
  not_clicked: "only those mailed who did not click",
  not_mailed: "only those not mailed yet",
  // Machine opens and clicks (privacy proxies, link scanners) do not count: docs/decisions/020.
  not_human_opened: "only those mailed who did not open as a person",
  not_human_clicked: "only those mailed who did not click as a person",
};

/**
 * The leads (alias l) a run is for: the campaign's lists, or a subset of the
 * previous run's recipients. Shared by run start and the pre-flight, so both
 * count the same people.
 */
export function audienceCondition(campaignId: number, audience: RunAudience, sourceRunId: number | null) {
  if (audience === "everyone") {
    return sql`l.id in (select m.lead_id from list_members m join campaign_lists cl on cl.list_id = m.list_id where cl.campaign_id = ${campaignId})`;
  }
  const which = {
    failed: sql`p.status = 'failed'`,
    not_opened: sql`p.first_sent_at is not null and p.first_opened_at is null`,
    not_clicked: sql`p.first_sent_at is not null and p.first_clicked_at is null`,
    not_mailed: sql`p.first_sent_at is null`,
    not_human_opened: sql`p.first_sent_at is not null and p.human_opened_at is null`,
    not_human_clicked: sql`p.first_sent_at is not null and p.human_clicked_at is null`,
  }[audience];
  return sql`l.id in (select p.lead_id from run_recipients p where p.campaign_id = ${campaignId} and p.run_id = ${sourceRunId} and ${which})`;
}
