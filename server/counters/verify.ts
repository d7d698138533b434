import { sql } from "drizzle-orm";
import type { Database } from "../../db/client";
import { checkLegacyStore, LEGACY_RUNS, type LegacyStoreCheck } from "../stats/legacy/verify";
import { verifySmsCosts, type CostDrift } from "./verify-cost";

export const COUNTERS = ["recipients", "sent", "delivered", "failed", "opened", "clicked", "replied", "bounced", "complained", "unsubscribed", "positive_replies", "people_sent", "people_bounced", "human_opened", "human_clicked",
  // Text messages (docs/decisions/040): messages accepted, delivered and failed (refused at send, or undelivered / failed by status callback); people who replied or opted out;
  // people texted (a text accepted) and people with a delivered text, the base of the SMS rates (decision 047).
  "sms_sent", "sms_delivered", "sms_failed", "sms_replied", "sms_opted_out", "people_texted", "people_text_delivered"] as const;
export type Counter = (typeof COUNTERS)[number];

export interface Drift {
  /** legacy: an imported campaign's store against its source's totals (the import's receipt). */
  scope: "run" | "campaign" | "legacy";
  campaignId: number;
  campaignName: string;
  runNumber: number | null;
  counter: Counter;
  stored: number;
  actual: number;
  /** Where `actual` comes from: the event log, the legacy store, the campaign's runs or the legacy source's totals. */
  truth: "log" | "legacy store" | "runs" | "legacy source";
}

/**
 * What every counter should be, recomputed from the event log (and the run's
 * recipients): sent, delivered, failed, bounced and complained count events;
 * opened (by a person: machine opens excluded, a click implies an open),
 * clicked, replied and unsubscribed count distinct recipients; human_opened
 * and human_clicked the same, leaving out machine opens and clicks.
 */
const ACTUAL_RUNS = sql`
  with ev as (
    -- daily_totals events came from the first legacy importer (decision 007, superseded); kept so its runs still verify.
    select campaign_id, run_id,
      count(*) filter (where type = 'sent') + coalesce(sum((data->>'sent')::int) filter (where type = 'daily_totals'), 0) as sent,
      count(*) filter (where type = 'delivered') as delivered,
      count(*) filter (where type = 'failed') as failed,
      count(*) filter (where type = 'bounced') + coalesce(sum((data->>'bounced')::int) filter (where type = 'daily_totals'), 0) as bounced,
      count(*) filter (where type = 'complained') as complained,
      count(distinct recipient_id) filter (where (type = 'opened' and not machine) or type = 'clicked')
        + coalesce(sum((data->>'opened')::int) filter (where type = 'daily_totals'), 0) as opened,
      count(distinct recipient_id) filter (where type = 'clicked') + coalesce(sum((data->>'clicked')::int) filter (where type = 'daily_totals'), 0) as clicked,
      count(distinct recipient_id) filter (where type = 'replied') + coalesce(sum((data->>'replied')::int) filter (where type = 'daily_totals'), 0) as replied,
      count(distinct recipient_id) filter (where type = 'unsubscribed') as unsubscribed,
      count(distinct recipient_id) filter (where type = 'replied' and data->>'positive' = 'true') as positive_replies,
      count(distinct recipient_id) filter (where type in ('opened', 'clicked') and not machine) as human_opened,
      count(distinct recipient_id) filter (where type = 'clicked' and not machine) as human_clicked,
      count(*) filter (where type = 'sms_sent') as sms_sent,
      count(*) filter (where type = 'sms_delivered') as sms_delivered,
      count(*) filter (where type in ('sms_failed', 'sms_undelivered')) as sms_failed,
      count(distinct recipient_id) filter (where type = 'sms_replied') as sms_replied,
      count(distinct recipient_id) filter (where type = 'sms_opted_out') as sms_opted_out,
      count(distinct recipient_id) filter (where type = 'sms_sent') as people_texted,
      count(distinct recipient_id) filter (where type = 'sms_delivered') as people_text_delivered
    -- email_events_judged: the log with the fold's burst verdicts (click_bursts) in its machine flag.
    from email_events_judged group by campaign_id, run_id
  ), rc as (
    -- people_sent / people_bounced: the base of every rate (server/stats/rates.ts).
    select campaign_id, run_id, count(*) as recipients, count(*) filter (where first_sent_at is not null) as people_sent,
           count(*) filter (where first_sent_at is not null and bounced_at is not null) as people_bounced
    from run_recipients group by campaign_id, run_id
  )
  select r.campaign_id, r.id as run_id, r.run_number,
    coalesce(rc.recipients, 0)::int as recipients, coalesce(ev.sent, 0)::int as sent, coalesce(ev.delivered, 0)::int as delivered,
    coalesce(ev.failed, 0)::int as failed, coalesce(ev.opened, 0)::int as opened, coalesce(ev.clicked, 0)::int as clicked,
    coalesce(ev.replied, 0)::int as replied, coalesce(ev.bounced, 0)::int as bounced, coalesce(ev.complained, 0)::int as complained,
    coalesce(ev.unsubscribed, 0)::int as unsubscribed, coalesce(ev.positive_replies, 0)::int as positive_replies,
    coalesce(rc.people_sent, 0)::int as people_sent, coalesce(rc.people_bounced, 0)::int as people_bounced,
    coalesce(ev.human_opened, 0)::int as human_opened, coalesce(ev.human_clicked, 0)::int as human_clicked,
    coalesce(ev.sms_sent, 0)::int as sms_sent, coalesce(ev.sms_delivered, 0)::int as sms_delivered, coalesce(ev.sms_failed, 0)::int as sms_failed,
    coalesce(ev.sms_replied, 0)::int as sms_replied, coalesce(ev.sms_opted_out, 0)::int as sms_opted_out,
    coalesce(ev.people_texted, 0)::int as people_texted, coalesce(ev.people_text_delivered, 0)::int as people_text_delivered
  from campaign_runs r
  left join ev on ev.campaign_id = r.campaign_id and ev.run_id = r.id
  left join rc on rc.campaign_id = r.campaign_id and rc.run_id = r.id
  where not exists (select 1 from legacy_campaign_map m where m.campaign_id = r.campaign_id and m.run_id = r.id)`;

const storedRun = sql.raw(COUNTERS.map((c) => `r.${c} as stored_${c}`).join(", "));
const storedCampaign = sql.raw(COUNTERS.map((c) => `c.${c} as stored_${c}`).join(", "));

type Row = Record<string, number | string | null>;

function drifts(rows: Row[], scope: Drift["scope"], truth: Drift["truth"]): Drift[] {
  return rows.flatMap((row) =>
    COUNTERS.filter((c) => Number(row[c]) !== Number(row[`stored_${c}`])).map((counter) => ({
      scope, campaignId: Number(row.campaign_id), campaignName: String(row.name), runNumber: row.run_number == null ? null : Number(row.run_number),
      counter, stored: Number(row[`stored_${counter}`]), actual: Number(row[counter]), truth,
    })),
  );
}

export interface VerifyResult {
  drift: Drift[];
  /** Days of a run's SMS cost that disagree with the prices stored on its texts (decision 048). */
  costDrift: CostDrift[];
  /** What was actually compared: "no drift" means something only when these are not all zero. */
  checked: { runs: number; legacyRuns: number; campaigns: number; legacyCampaigns: number; legacyCampaignDays: number; legacyDays: number; pricedTexts: number };
  /** What was not compared, and why. */
  skipped: Array<{ count: number; what: string; reason: string }>;
  legacy: LegacyStoreCheck;
  fixed: boolean;
  /** Emails whose provider outcome is unknown: neither sent nor failed. */
  unknown: number;
  runsChecked: number;
  runsPastRetention: number;
  campaignsChecked: number;
}

/**
 * Every counter that disagrees: a run's against the event log (runs whose
 * events are past the retention period are skipped and said so: their
 * partitions are gone, by design, and their daily stats stay), a legacy run's
 * against the legacy store, the legacy store against its source's totals and
 * its per-day rollup, a campaign's lifetime counters against the sum of its
 * runs, and each day of a run's SMS cost against its texts' prices. With
 * `fix`, corrects what can be recomputed, in one transaction.
 */
export async function verifyCounters(db: Database, options: { fix?: boolean; retentionMonths?: number } = {}): Promise<VerifyResult> {
  const months = options.retentionMonths ?? 24;
  const inRetention = sql`coalesce(r.started_at, r.created_at) >= date_trunc('month', now()) - make_interval(months => ${months})`;
  const notLegacy = sql`not exists (select 1 from legacy_campaign_map m where m.campaign_id = r.campaign_id and m.run_id = r.id)`;
  return db.transaction(async (tx) => {
    const runRows = await tx.execute<Row>(sql`
      with a as (${ACTUAL_RUNS})
      select a.*, c.name, ${storedRun} from a join campaign_runs r on r.campaign_id = a.campaign_id and r.id = a.run_id join campaigns c on c.id = a.campaign_id
      where ${inRetention}`);
    const legacyRows = await tx.execute<Row>(sql`
      with a as (${LEGACY_RUNS})
      select a.*, c.name, ${storedRun} from a join campaign_runs r on r.campaign_id = a.campaign_id and r.id = a.run_id join campaigns c on c.id = a.campaign_id`);
    const [past] = await tx.execute<{ n: number }>(sql`select count(*)::int as n from campaign_runs r where not (${inRetention}) and ${notLegacy}`);
    const drift = [...drifts(runRows, "run", "log"), ...drifts(legacyRows, "run", "legacy store")];
    if (options.fix && drift.length) {
      const set = sql.raw(COUNTERS.map((c) => `${c} = a.${c}`).join(", "));
      await tx.execute(sql`with a as (${ACTUAL_RUNS}) update campaign_runs r set ${set}, updated_at = now() from a where r.campaign_id = a.campaign_id and r.id = a.run_id and ${inRetention}`);
      // A legacy run is set from its store only where the store still matches its source's totals; a damaged store fixes nothing.
      await tx.execute(sql`with a as (${LEGACY_RUNS}) update campaign_runs r set ${set}, updated_at = now() from a where r.campaign_id = a.campaign_id and r.id = a.run_id
        and exists (select 1 from legacy_campaign_map m where m.run_id = a.run_id and m.source_totals = array[a.sent, a.opened, a.replied, a.positive_replies, a.bounced, a.clicked]::bigint[])`);
    }
    const legacy = await checkLegacyStore(tx, Boolean(options.fix));
    // Lifetime counters: the sum of the campaign's runs (after any fix above).
    const campaignRows = await tx.execute<Row>(sql`
      with s as (select campaign_id, ${sql.raw(COUNTERS.map((c) => `sum(${c})::int as ${c}`).join(", "))} from campaign_runs group by campaign_id)
      select c.id as campaign_id, c.name, null as run_number, ${sql.raw(COUNTERS.map((x) => `coalesce(s.${x}, 0)::int as ${x}`).join(", "))}, ${storedCampaign}
      from campaigns c left join s on s.campaign_id = c.id`);
    const campaignDrift = drifts(campaignRows, "campaign", "runs");
    if (options.fix && campaignDrift.length) {
      await tx.execute(sql`
        with s as (select campaign_id, ${sql.raw(COUNTERS.map((c) => `sum(${c})::int as ${c}`).join(", "))} from campaign_runs group by campaign_id)
        update campaigns c set ${sql.raw(COUNTERS.map((x) => `${x} = coalesce(s.${x}, 0)`).join(", "))}, updated_at = now()
        from campaigns c2 left join s on s.campaign_id = c2.id where c.id = c2.id`);
    }
    const cost = await verifySmsCosts(tx, Boolean(options.fix));
    const storeDrift: Drift[] = legacy.storeDrift.map((d) => ({ scope: "legacy", campaignId: d.campaignId, campaignName: `${d.campaignName} (legacy id ${d.legacyId})`, runNumber: null, counter: d.metric as Counter, stored: d.stored, actual: d.source, truth: "legacy source" }));
    const all = [...drift, ...campaignDrift, ...storeDrift];
    const skipped = past!.n ? [{ count: past!.n, what: "runs", reason: `their events are past the ${months}-month event retention, so there is no log to recount (their daily stats stay)` }] : [];
    // Emails whose provider outcome cannot be known (docs/decisions/010): neither sent nor failed, reported apart.
    const [unknown] = await tx.execute<{ n: number }>(sql`select count(*)::int as n from scheduled_emails where status = 'unknown'`);
    return {
      unknown: unknown!.n,
      drift: all, costDrift: cost.drift, legacy, skipped, fixed: Boolean(options.fix && (drift.length || campaignDrift.length || legacy.dayDrift.length || cost.drift.length)),
      checked: { runs: runRows.length, legacyRuns: legacyRows.length, campaigns: campaignRows.length, legacyCampaigns: legacy.campaigns, legacyCampaignDays: legacy.campaignDays, legacyDays: legacy.days, pricedTexts: cost.pricedTexts },
      runsChecked: runRows.length + legacyRows.length, runsPastRetention: past!.n, campaignsChecked: campaignRows.length,
    };
  });
}
