import { sql } from "drizzle-orm";
import type { Executor } from "../../db/client";

/**
 * Fixes what a run sends when it starts: each step's template content and
 * timing, copied into run_steps in one statement. The send path renders from
 * this copy, so editing a template or a step later changes the next run, not
 * mail already in flight (unless the user applies the edit to the running
 * run: applyTemplateToActiveRuns).
 */
export async function snapshotRunSteps(tx: Executor, campaignId: number, runId: number) {
  await tx.execute(sql`
    insert into run_steps (campaign_id, run_id, step_number, template_id, template_name, subject, html, text, delay_minutes, stop_on_reply)
    select s.campaign_id, ${runId}, s.step_number, t.id, t.name, t.subject, t.html, t.text, s.delay_minutes, s.stop_on_reply
    from sequence_steps s join templates t on t.id = s.template_id
    where s.campaign_id = ${campaignId}
    on conflict do nothing`);
}

/** The runs still sending (or paused, or scheduled) that froze an older copy of a template. */
export async function activeRunsUsingTemplate(db: Executor, templateId: number) {
  const rows = await db.execute<{ campaign_id: number; run_id: number; campaign: string; run_number: number; step_number: number }>(sql`
    select rs.campaign_id, rs.run_id, c.name as campaign, r.run_number, rs.step_number
    from run_steps rs
    join campaign_runs r on r.campaign_id = rs.campaign_id and r.id = rs.run_id
    join campaigns c on c.id = rs.campaign_id
    where rs.template_id = ${templateId} and r.status in ('SCHEDULED', 'SENDING', 'PAUSED')
    order by c.name, rs.step_number`);
  return rows.map((r) => ({ campaign_id: Number(r.campaign_id), run_id: Number(r.run_id), campaign: r.campaign, run_number: r.run_number, step_number: r.step_number }));
}

/** The user chose to change mail not sent yet: the running runs' copy of the template follows the edit. */
export async function applyTemplateToActiveRuns(db: Executor, templateId: number): Promise<number> {
  const rows = await db.execute(sql`
    update run_steps rs set template_name = t.name, subject = t.subject, html = t.html, text = t.text
    from templates t, campaign_runs r
    where rs.template_id = ${templateId} and t.id = rs.template_id
      and r.campaign_id = rs.campaign_id and r.id = rs.run_id and r.status in ('SCHEDULED', 'SENDING', 'PAUSED')
    returning 1`);
  return rows.length;
}
