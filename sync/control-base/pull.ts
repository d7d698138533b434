import { sql } from "drizzle-orm";
import type { Action } from "../../server/campaigns/lifecycle";
import { transitionCampaign } from "../../server/campaigns/lifecycle";
import { DomainError } from "../../server/errors";
import type { Services } from "../../server/services";
import { logSync, type AirtableBase, type AirtableRecord } from "../client";
import { queueControlNote } from "../outbox";
import { AIRTABLE_STATUSES, CONTROL_READ_ONLY, CONTROL_TABLE, toAirtableStatus } from "../schema";
import { campaignRows, mirroredFields, type CampaignRow } from "./push";

export interface PullResult {
  changed: number;
  applied: number;
  refused: number;
  ignored: number;
  restored: number;
  recreated: number;
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
 * Reads every Control record (ids, Status and the fields Herald owns; 100 a
 * request) and compares it with what Herald wrote there:
 * - a Status Herald did not send is an ops edit: applied through the same
 *   lifecycle service as the UI, or refused and reverted with a Sync Note;
 *   if Herald changed the status since its last write, the newer change wins,
 *   timed by LAST_MODIFIED_TIME({Status}) in a filter (no field needed);
 * - an edited read-only field (Sent, Open Rate, Herald ID…) is queued to be
 *   written back; a deleted record is queued to be created again in full;
 * - a record without a link is adopted by Herald ID; a copy of a linked
 *   record (Airtable's "duplicate record") is named and left alone.
 */
export async function pullControl(services: Services, base: AirtableBase): Promise<PullResult> {
  const { db } = services;
  const records = await base.list(CONTROL_TABLE, { fields: ["Status", ...CONTROL_READ_ONLY] });
  const campaigns = await db.execute<CampaignRow>(campaignRows(sql`true`));
  const byId = new Map(campaigns.map((c) => [c.id, c]));
  const byRecord = new Map(campaigns.filter((c) => c.record_id).map((c) => [c.record_id!, c]));
  const present = new Set(records.map((r) => r.id));
  const result: PullResult = { changed: 0, applied: 0, refused: 0, ignored: 0, restored: 0, recreated: 0 };
  const edits: Array<{ record: AirtableRecord; campaign: CampaignRow; target: string }> = [];
  const restore = new Set<number>();

  for (const record of [...records].sort((a, b) => (a.createdTime ?? "").localeCompare(b.createdTime ?? ""))) {
    const heraldId = Number(record.fields["Herald ID"]) || null;
    let campaign = byRecord.get(record.id);
    if (!campaign) {
      const named = heraldId ? byId.get(heraldId) : undefined;
      if (!named) {
        result.ignored++;
        await warnOnce(services, record.id, heraldId
          ? `Record ${record.id} names Herald ID ${heraldId}, which is not a campaign: Herald leaves it alone.`
          : `Record ${record.id}${record.fields.Name ? ` ("${String(record.fields.Name)}")` : ""} has no Herald ID: Herald only mirrors campaigns it created and leaves this record alone.`);
        continue;
      }
      if (named.record_id && present.has(named.record_id)) {
        result.ignored++;
        await warnOnce(services, record.id, `Record ${record.id} is a copy of ${named.record_id} (both have Herald ID ${named.id}, "${named.name}"): Herald keeps ${named.record_id} in step and ignores the copy; delete it.`);
        continue;
      }
      // A record of this campaign Herald had not linked (or whose linked record is gone): Herald adopts the oldest.
      await db.execute(sql`
        insert into sync_links (campaign_id, base, record_id, sent_status, sent_status_at) values (${named.id}, 'control', ${record.id}, ${(record.fields.Status as string | undefined) ?? null}, now())
        on conflict (campaign_id, base) do update set record_id = excluded.record_id, sent_status = excluded.sent_status, sent_status_at = now(), updated_at = now()`);
      campaign = { ...named, record_id: record.id, sent_status: (record.fields.Status as string | undefined) ?? null };
      byRecord.set(record.id, campaign);
      byId.set(named.id, campaign);
      restore.add(named.id);
    }
    const target = typeof record.fields.Status === "string" ? record.fields.Status : "";
    if (target !== toAirtableStatus(campaign.status) && target !== (campaign.sent_status ?? "")) edits.push({ record, campaign, target });
    else if (drifted(record.fields, mirroredFields(campaign))) restore.add(campaign.id);
  }

  // Linked records no longer in the table were deleted by a person: create them again, Status included.
  for (const c of campaigns) {
    if (!c.record_id || present.has(c.record_id) || byId.get(c.id)!.record_id !== c.record_id) continue;
    await db.execute(sql`delete from sync_links where campaign_id = ${c.id} and base = 'control' and record_id = ${c.record_id}`);
    await logSync(db, "control", "pull", "warn", `Record ${c.record_id} of campaign "${c.name}" (#${c.id}) was deleted in Airtable: Herald creates it again.`, { recordId: c.record_id, campaignId: c.id });
    await queueControlNote(db, c.id, undefined, true);
    result.recreated++;
  }

  const newer = await opsEditsNewerThanHerald(base, edits.map((e) => e.campaign));
  for (const edit of edits) await applyEdit(services, edit, newer.has(edit.record.id), result);
  // One statement for every record to write back (while Herald is counting, that can be most of them).
  const toRestore = [...restore].filter((id) => !edits.some((e) => e.campaign.id === id));
  if (toRestore.length) {
    await db.execute(sql`
      insert into sync_outbox (base, record_key, campaign_id) select 'control', 'campaign:' || x, x
      from (select x::bigint as x from jsonb_array_elements_text(${JSON.stringify(toRestore)}::jsonb) x) ids
      on conflict (base, record_key) do update set updated_at = now()`);
  }
  result.restored = toRestore.length;
  await db.execute(sql`
    insert into sync_state (base, last_pull_at) values ('control', now())
    on conflict (base) do update set last_pull_at = now(), updated_at = now()`);
  return result;
}

/**
 * For campaigns whose status Herald changed after its last Status write,
 * which ops edits came later: one request, asking Airtable itself with
 * LAST_MODIFIED_TIME({Status}) (no field needed). Other edits are newer than
 * anything Herald wrote by construction.
 */
async function opsEditsNewerThanHerald(base: AirtableBase, campaigns: CampaignRow[]): Promise<Set<string>> {
  const contested = campaigns.filter((c) => heraldChangedSinceSent(c));
  const out = new Set(campaigns.filter((c) => !heraldChangedSinceSent(c)).map((c) => c.record_id!));
  for (let i = 0; i < contested.length; i += 20) {
    const terms = contested.slice(i, i + 20).map((c) => `AND(RECORD_ID()='${c.record_id}',IS_AFTER(LAST_MODIFIED_TIME({Status}),'${new Date(c.status_changed_at).toISOString()}'))`);
    for (const r of await base.list(CONTROL_TABLE, { filterByFormula: `OR(${terms.join(",")})`, fields: ["Status"] })) out.add(r.id);
  }
  return out;
}

const heraldChangedSinceSent = (c: CampaignRow) =>
  toAirtableStatus(c.status) !== c.sent_status && (!c.sent_status_at || Date.parse(c.status_changed_at) > Date.parse(c.sent_status_at));

async function applyEdit(services: Services, { record, campaign, target }: { record: AirtableRecord; campaign: CampaignRow; target: string }, opsNewer: boolean, result: PullResult) {
  const { db, log } = services;
  result.changed++;
  if (!opsNewer) {
    await queueControlNote(db, campaign.id, `Herald changed the status to ${toAirtableStatus(campaign.status)} after this edit, so Herald's status stands.`, true, target);
    await logSync(db, "control", "pull", "info", `Campaign "${campaign.name}" (#${campaign.id}): Herald's newer status ${toAirtableStatus(campaign.status)} stands over the edit to ${target || "(empty)"}.`, { recordId: record.id });
    result.refused++;
    return;
  }
  const action = target ? actionFor(target, campaign.status) : "Status cannot be empty. Choose Active, Paused or Cancelled.";
  try {
    if (!["pause", "cancel", "start", "resume"].includes(action)) throw new DomainError(action);
    await transitionCampaign(db, campaign.id, action as Action, { source: "airtable" });
    await queueControlNote(db, campaign.id, "", false);
    result.applied++;
    log.info("applied an Airtable status edit", { campaignId: campaign.id, status: target });
  } catch (error) {
    if (!(error instanceof DomainError)) throw error;
    await queueControlNote(db, campaign.id, error.message, true, target);
    await logSync(db, "control", "pull", "warn", `Refused the edit of campaign "${campaign.name}" (#${campaign.id}) to ${target || "(empty)"}: ${error.message}`, { recordId: record.id });
    result.refused++;
  }
}

/** A read-only field that differs from what Herald would write (numbers within rounding, times as instants). */
function drifted(have: Record<string, unknown>, want: Record<string, unknown>): boolean {
  return Object.entries(want).some(([name, value]) => {
    const got = have[name];
    if (typeof value === "number") return Math.abs(Number(got ?? 0) - value) > 1e-9 * Math.max(1, Math.abs(value));
    if (name === "Last Run At") return (value ? Date.parse(String(value)) : null) !== (got ? Date.parse(String(got)) : null);
    return String(got ?? "") !== String(value ?? "");
  });
}

/** A warning about a record, logged once a day (the pull reads every record each round). */
async function warnOnce(services: Services, recordId: string, message: string) {
  await services.db.execute(sql`
    insert into sync_log (base, direction, level, message, details)
    select 'control', 'pull', 'warn', ${message}, ${JSON.stringify({ recordId })}::jsonb
    where not exists (select 1 from sync_log where base = 'control' and created_at > now() - interval '1 day' and details->>'recordId' = ${recordId} and message = ${message})`);
}
