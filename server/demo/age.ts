import { sql } from "drizzle-orm";
import type { Database } from "../../db/client";

/**
 * Moves everything the given campaigns have done back by whole days, as if it
 * had happened that many days earlier: the campaigns' and runs' times, every
 * email, recipient, event, outbox message, batch and suppression of theirs,
 * and their daily stats to the matching earlier days. Demo history only
 * (server/demo/history.ts): it records each moment through the real services
 * at the real time, then ages what it has so far before the next moment.
 *
 * Whole days keep every figure exact: an event's UTC day moves by the same
 * number of days as the event, so each day's stats move to the day N earlier
 * unchanged. The daily stats are moved through their own triggers (zeroed on
 * the old day, added on the new one), so the global rollup and the Airtable
 * queue follow; no counter changes.
 */
export async function ageHistory(db: Database, campaignIds: number[], days: number): Promise<void> {
  if (!campaignIds.length || days === 0) return;
  if (!Number.isInteger(days) || days < 0) throw new Error("ageHistory moves history back by a whole number of days");
  const ids = sql`(select x::bigint from jsonb_array_elements_text(${JSON.stringify(campaignIds)}::jsonb) x)`;
  const by = sql`make_interval(days => ${days})`;
  const back = (columns: string[]) => sql.raw(columns.map((c) => `${c} = ${c} - make_interval(days => ${days})`).join(", "));
  await db.transaction(async (tx) => {
    // Events move between monthly partitions: make sure the earlier months exist (they do unless retention dropped them).
    await tx.execute(sql`select herald_ensure_event_partitions((now() - ${by} - interval '1 month')::date, now()::date)`);
    await tx.execute(sql`update campaigns set ${back(["start_at", "last_run_at", "status_changed_at", "created_at", "updated_at"])} where id in ${ids}`);
    await tx.execute(sql`update campaign_runs set ${back(["scheduled_at", "started_at", "paused_at", "completed_at", "created_at", "updated_at"])} where campaign_id in ${ids}`);
    await tx.execute(sql`update sequence_steps set ${back(["created_at", "updated_at"])} where campaign_id in ${ids}`);
    await tx.execute(sql`update run_steps set ${back(["created_at"])} where campaign_id in ${ids}`);
    await tx.execute(sql`update campaign_lists set ${back(["created_at"])} where campaign_id in ${ids}`);
    await tx.execute(sql`update campaign_senders set ${back(["created_at"])} where campaign_id in ${ids}`);
    await tx.execute(sql`update run_recipients set ${back(["first_sent_at", "first_opened_at", "first_clicked_at", "human_opened_at", "human_clicked_at", "replied_at", "bounced_at", "created_at", "updated_at"])} where campaign_id in ${ids}`);
    await tx.execute(sql`update scheduled_emails set ${back(["scheduled_for", "sent_at", "locked_until", "created_at", "updated_at"])} where campaign_id in ${ids}`);
    await tx.execute(sql`update email_events set ${back(["occurred_at", "created_at"])} where campaign_id in ${ids}`);
    await tx.execute(sql`update event_folds set ${back(["occurred_at"])} where campaign_id in ${ids}`);
    await tx.execute(sql`update outbox_messages set ${back(["created_at"])} where campaign_id in ${ids}`);
    await tx.execute(sql`update send_batches set ${back(["first_handed_at", "created_at"])} where campaign_id in ${ids}`);
    await tx.execute(sql`update suppressions set ${back(["created_at"])} where campaign_id in ${ids}`);

    // Daily stats: every counted column, moved N days earlier through the rollup's triggers.
    const columns = (await tx.execute<{ name: string }>(sql`
      select column_name as name from information_schema.columns
      where table_schema = current_schema() and table_name = 'campaign_daily_stats' and data_type = 'integer' order by ordinal_position`)).map((c) => c.name);
    const list = sql.raw(columns.join(", "));
    await tx.execute(sql`create temporary table aged_stats on commit drop as select campaign_id, run_id, day, ${list} from campaign_daily_stats where campaign_id in ${ids}`);
    await tx.execute(sql`update campaign_daily_stats set ${sql.raw(columns.map((c) => `${c} = 0`).join(", "))}, updated_at = now() where campaign_id in ${ids}`);
    await tx.execute(sql`
      insert into campaign_daily_stats (campaign_id, run_id, day, ${list})
      select campaign_id, run_id, day - ${days}::int, ${list} from aged_stats
      on conflict (campaign_id, run_id, day) do update set ${sql.raw(columns.map((c) => `${c} = campaign_daily_stats.${c} + excluded.${c}`).join(", "))}, updated_at = now()`);
    await tx.execute(sql`delete from campaign_daily_stats where campaign_id in ${ids} and ${sql.raw(columns.map((c) => `${c} = 0`).join(" and "))}`);

    // Sender usage counts a sender's emails per day (its daily cap): recount the senders these campaigns used.
    const senders = sql`(select distinct sender_id from scheduled_emails where campaign_id in ${ids} and sender_id is not null)`;
    await tx.execute(sql`delete from sender_daily_usage where sender_id in ${senders}`);
    await tx.execute(sql`
      insert into sender_daily_usage (sender_id, day, sent)
      select sender_id, (sent_at at time zone 'UTC')::date, count(*)::int from scheduled_emails
      where sender_id in ${senders} and status = 'sent' and sent_at is not null group by 1, 2`);
  });
}
