import { sql } from "drizzle-orm";

export { AUDIENCE_LABELS, RUN_AUDIENCES, type RunAudience } from "../../shared/run-audiences";
import type { RunAudience } from "../../shared/run-audiences";

/** A lead (alias l) a run would mail: active, and its address not suppressed. Run start, the pre-flight and test sends ask the same. */
export const mailableLead = sql`(l.status = 'active' and not exists (select 1 from suppressions s where lower(s.email) = lower(l.email)))`;

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
