import { sql } from "drizzle-orm";
import type { Action } from "../../server/campaigns/lifecycle";
import { transitionCampaign } from "../../server/campaigns/lifecycle";
import { DomainError } from "../../server/errors";
import type { Services } from "../../server/services";
import { logSync, type AirtableBase } from "../client";
import { queueControlNote } from "../outbox";
import { AIRTABLE_STATUSES, CONTROL_TABLE, toAirtableStatus } from "../schema";

export interface PullResult {
  changed: number;
  applied: number;
  refused: number;
  ignored: number;
}

/** What an ops edit of Status asks for; Active means start for a draft, resume otherwise. */
function actionFor(target: string, current: string): Action | string {
  if (target === "Paused") return "pause";
  if (target === "Cancelled") return "cancel";
  if (target === "Active") return current === "draft" ? "start" : "resume";
  if (!(AIRTABLE_STATUSES as readonly string[]).includes(target)) return `"${target}" is not a status Herald knows. Choose Active, Paused or Cancelled.`;
  return `Herald sets ${target} itself. In Airtable you can choose Active, Paused or Cancelled.`;
}

/**
 * Reads the Control records whose Status changed since the last pull and
 * applies each change through the same lifecycle service as the UI (status
 * source "airtable"). A value Herald pushed and reads back is not a change.
 * If Herald changed the status after the edit, Herald's status stands. A
 * refused edit is reverted, with the reason in Sync Note. Records without a
 * Herald ID are reported, never guessed at.
 */
export async function pullControl(services: Services, base: AirtableBase): Promise<PullResult> {
  const { db, log } = services;
  const started = new Date();
  const [state] = await db.execute<{ cursor: string | null }>(sql`select pull_cursor::text as cursor from sync_state where base = 'control'`);
  const since = new Date((state?.cursor ? Date.parse(state.cursor) : 0) - 5_000).toISOString();
  const records = await base.list(CONTROL_TABLE, {
    filterByFormula: `IS_AFTER(LAST_MODIFIED_TIME({Status}), '${since}')`,
    fields: ["Herald ID", "Name", "Status", "Status Changed"],
  });
  const result: PullResult = { changed: 0, applied: 0, refused: 0, ignored: 0 };
  for (const record of records) {
    const id = Number(record.fields["Herald ID"]);
    if (!id) {
      result.ignored++;
      await logSync(db, "control", "pull", "warn", `Record ${record.id}${record.fields.Name ? ` ("${String(record.fields.Name)}")` : ""} has no Herald ID: Herald only mirrors campaigns it created and leaves this record alone.`, { recordId: record.id });
      continue;
    }
    const [campaign] = await db.execute<{ status: string; status_changed_at: string; last_pushed_status: string | null }>(sql`
      select c.status, c.status_changed_at::text, l.last_pushed_status from campaigns c
      left join sync_links l on l.campaign_id = c.id and l.base = 'control' where c.id = ${id}`);
    if (!campaign) {
      result.ignored++;
      await logSync(db, "control", "pull", "warn", `Record ${record.id} names Herald ID ${id}, which is not a campaign.`, { recordId: record.id });
      continue;
    }
    const target = typeof record.fields.Status === "string" ? record.fields.Status : "";
    if (target === toAirtableStatus(campaign.status)) continue; // in step
    if (target && target === campaign.last_pushed_status) continue; // our own value read back; Herald's newer status is on its way
    result.changed++;
    const editedAt = Date.parse(String(record.fields["Status Changed"] ?? "")) || started.getTime();
    if (Date.parse(campaign.status_changed_at) > editedAt) {
      await queueControlNote(db, id, `Herald changed the status to ${toAirtableStatus(campaign.status)} after this edit, so Herald's status stands.`, true);
      result.refused++;
      continue;
    }
    const action = target ? actionFor(target, campaign.status) : "Status cannot be empty. Choose Active, Paused or Cancelled.";
    try {
      if (!["pause", "cancel", "start", "resume"].includes(action)) throw new DomainError(action);
      await transitionCampaign(db, id, action as Action, { source: "airtable" });
      await queueControlNote(db, id, "", false);
      result.applied++;
      log.info("applied an Airtable status edit", { campaignId: id, status: target });
    } catch (error) {
      if (!(error instanceof DomainError)) throw error;
      await queueControlNote(db, id, error.message, true);
      await logSync(db, "control", "pull", "warn", `Refused the edit of campaign ${id} to ${target || "(empty)"}: ${error.message}`, { recordId: record.id });
      result.refused++;
    }
  }
  await db.execute(sql`
    insert into sync_state (base, pull_cursor, last_pull_at) values ('control', ${started.toISOString()}, now())
    on conflict (base) do update set pull_cursor = excluded.pull_cursor, last_pull_at = now(), updated_at = now()`);
  return result;
}
