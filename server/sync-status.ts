import { sql } from "drizzle-orm";
import type { Database } from "../db/client";
import type { Config } from "./config";
import { enqueue } from "./queue";

/** Per base: configured or not, last pull and push, queue length, recent errors (read from the bridge's tables). */
export async function syncStatus(db: Database, config: Config) {
  const configured = { control: Boolean(config.AIRTABLE_TOKEN && config.AIRTABLE_CONTROL_BASE_ID), performance: Boolean(config.AIRTABLE_TOKEN && config.AIRTABLE_PERFORMANCE_BASE_ID) };
  const [states, queues, logs, aside] = await Promise.all([
    db.execute<{ base: string; last_pull_at: string | null; last_push_at: string | null; last_error: string | null; last_error_at: string | null }>(sql`
      select base, last_pull_at::text, last_push_at::text, last_error, last_error_at::text from sync_state`),
    db.execute<{ base: string; n: number; failing: number }>(sql`select base, count(*)::int as n, count(*) filter (where attempts > 0)::int as failing from sync_outbox group by base`),
    db.execute<{ base: string; level: string; message: string; created_at: string; direction: string }>(sql`
      select base, level, message, created_at::text, direction from sync_log where level in ('warn', 'error') order by id desc limit 20`),
    setAside(db),
  ]);
  return (["control", "performance"] as const).map((base) => {
    const s = states.find((x) => x.base === base);
    const q = queues.find((x) => x.base === base);
    return {
      base, configured: configured[base], lastPullAt: s?.last_pull_at ?? null, lastPushAt: s?.last_push_at ?? null,
      lastError: s?.last_error ?? null, lastErrorAt: s?.last_error_at ?? null, queued: q?.n ?? 0, retrying: q?.failing ?? 0,
      recent: logs.filter((l) => l.base === base).slice(0, 10),
      setAside: aside.filter((a) => a.base === base),
    };
  });
}

export interface SetAsideRecord {
  base: "control" | "performance";
  recordKey: string;
  recordId: string | null;
  campaignId: number | null;
  campaignName: string | null;
  reason: string;
  since: string;
  retryAt: string;
}

/** Records Airtable refused on their own: which record, which campaign, why (the others of their request went through). */
export async function setAside(db: Database): Promise<SetAsideRecord[]> {
  const rows = await db.execute<{ base: "control" | "performance"; record_key: string; record_id: string | null; campaign_id: number | null; name: string | null; reason: string; since: string; retry_at: string }>(sql`
    select o.base, o.record_key, o.record_id, o.campaign_id, c.name, coalesce(o.last_error, '') as reason, o.set_aside_at::text as since, o.next_attempt_at::text as retry_at
    from sync_outbox o left join campaigns c on c.id = o.campaign_id
    where o.set_aside_at is not null order by o.set_aside_at limit 50`);
  return rows.map((r) => ({ base: r.base, recordKey: r.record_key, recordId: r.record_id, campaignId: r.campaign_id, campaignName: r.name, reason: r.reason, since: r.since, retryAt: r.retry_at }));
}

/** "Sync now": a round in the airtable queue (after the one running, if any), right away. */
export async function requestSync(db: Database) {
  // The same queue as the scheduled rounds, so they run one after the other.
  await enqueue(db, "sync-airtable", { now: true }, { queueName: "airtable", jobKey: "sync-airtable-now", runAt: new Date() });
}
