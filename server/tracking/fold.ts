import { sql } from "drizzle-orm";
import type { Database, Executor } from "../../db/client";
import { BURST_WINDOW_MS } from "./machine";

type Queued = {
  campaign_id: number;
  run_id: number;
  recipient_id: number;
  type: string;
  machine: boolean;
  occurred_at: string;
  event_id: number | null;
  scheduled_email_id: number | null;
};

const day = (ts: string) => new Date(ts).toISOString().slice(0, 10);
const COUNTED = ["delivered", "delivery_delayed", "failed", "bounced", "complained"] as const;
/**
 * A click waits this long before it is folded: a later click of the same
 * email on another link within the burst window turns it into a machine's
 * (judgeBursts below), and it must not have been counted as a person's by then.
 */
export const CLICK_HOLD_MS = BURST_WINDOW_MS + 1_000;

/**
 * Folds queued per-hit events into recipients, daily stats and the run's and
 * campaign's counters, with a handful of set-based statements per batch of up
 * to `limit` events. Runs in graphile-worker's "fold" queue, one at a time, so
 * "first open" is decided once. Clicks younger than CLICK_HOLD_MS wait for the
 * next fold. Returns how many events it folded.
 */
export async function foldEvents(db: Database, limit = 5000, options: { now?: Date } = {}): Promise<number> {
  // `now` lets a caller fold as of a later moment (tests: once the burst window has passed).
  const now = (options.now ?? null)?.toISOString() ?? null;
  return db.transaction(async (tx) => {
    const batch = await tx.execute<Queued>(sql`
      delete from event_folds where id in (
        select id from event_folds where not (type = 'clicked' and occurred_at > coalesce(${now}::timestamptz, now()) - make_interval(secs => ${CLICK_HOLD_MS / 1000}))
        order by id limit ${limit} for update skip locked)
      returning campaign_id, run_id, recipient_id, type, machine, occurred_at, event_id, scheduled_email_id`);
    if (!batch.length) return 0;
    await judgeBursts(tx, batch);

    // Per recipient: first open not known as a machine's (any click implies one), first click, the same by a
    // person only (machine opens and clicks left out), hard bounce, complaint.
    type Firsts = { campaign_id: number; run_id: number; recipient_id: number; opened_at: string | null; clicked_at: string | null; human_opened_at: string | null; human_clicked_at: string | null; bounced_at: string | null; complained: boolean };
    const perRecipient = new Map<string, Firsts>();
    for (const e of batch) {
      const key = `${e.campaign_id}:${e.recipient_id}`;
      const r = perRecipient.get(key) ?? { campaign_id: e.campaign_id, run_id: e.run_id, recipient_id: e.recipient_id, opened_at: null, clicked_at: null, human_opened_at: null, human_clicked_at: null, bounced_at: null, complained: false };
      const earliest = (a: string | null) => (a === null || e.occurred_at < a ? e.occurred_at : a);
      if ((e.type === "opened" && !e.machine) || e.type === "clicked") r.opened_at = earliest(r.opened_at);
      if (e.type === "clicked") r.clicked_at = earliest(r.clicked_at);
      if ((e.type === "opened" || e.type === "clicked") && !e.machine) r.human_opened_at = earliest(r.human_opened_at);
      if (e.type === "clicked" && !e.machine) r.human_clicked_at = earliest(r.human_clicked_at);
      if (e.type === "bounced") r.bounced_at = earliest(r.bounced_at);
      if (e.type === "complained") r.complained = true;
      perRecipient.set(key, r);
    }
    const firsts = await tx.execute<{
      campaign_id: number; run_id: number; opened_at: string | null; clicked_at: string | null; human_opened_at: string | null; human_clicked_at: string | null;
      new_open: boolean; new_click: boolean; new_human_open: boolean; new_human_click: boolean;
    }>(sql`
      with b as (
        select * from jsonb_to_recordset(${JSON.stringify([...perRecipient.values()])}::jsonb)
          as b(campaign_id bigint, run_id bigint, recipient_id bigint, opened_at timestamptz, clicked_at timestamptz, human_opened_at timestamptz, human_clicked_at timestamptz, bounced_at timestamptz, complained boolean)
      ), old as (
        select r.campaign_id, r.id, r.first_opened_at, r.first_clicked_at, r.human_opened_at, r.human_clicked_at from run_recipients r join b on r.campaign_id = b.campaign_id and r.id = b.recipient_id
      ), upd as (
        update run_recipients r set
          first_opened_at = coalesce(r.first_opened_at, b.opened_at),
          first_clicked_at = coalesce(r.first_clicked_at, b.clicked_at),
          human_opened_at = coalesce(r.human_opened_at, b.human_opened_at),
          human_clicked_at = coalesce(r.human_clicked_at, b.human_clicked_at),
          bounced_at = coalesce(r.bounced_at, b.bounced_at),
          status = case when b.complained then 'complained'::recipient_status when b.bounced_at is not null then 'bounced'::recipient_status else r.status end,
          updated_at = now()
        from b where r.campaign_id = b.campaign_id and r.id = b.recipient_id
        returning r.campaign_id, r.id
      )
      select b.campaign_id, b.run_id, b.opened_at, b.clicked_at, b.human_opened_at, b.human_clicked_at,
             (o.first_opened_at is null and b.opened_at is not null) as new_open,
             (o.first_clicked_at is null and b.clicked_at is not null) as new_click,
             (o.human_opened_at is null and b.human_opened_at is not null) as new_human_open,
             (o.human_clicked_at is null and b.human_clicked_at is not null) as new_human_click
      from upd u join old o on o.campaign_id = u.campaign_id and o.id = u.id join b on b.campaign_id = u.campaign_id and b.recipient_id = u.id`);

    // Daily stats per (campaign, run, day of the event), and counter deltas per run.
    type Stat = Record<string, number> & { campaign_id: number; run_id: number };
    const stats = new Map<string, Stat & { day: string }>();
    const runs = new Map<string, Stat>();
    const bump = <T extends Stat>(map: Map<string, T>, key: string, init: () => T, field: string, n = 1) => {
      const s: Stat = map.get(key) ?? init();
      s[field] = (s[field] ?? 0) + n;
      map.set(key, s as T);
    };
    for (const e of batch) {
      const d = day(e.occurred_at);
      const sk = `${e.campaign_id}:${e.run_id}:${d}`;
      const initStat = () => ({ campaign_id: e.campaign_id, run_id: e.run_id, day: d }) as Stat & { day: string };
      const initRun = () => ({ campaign_id: e.campaign_id, run_id: e.run_id }) as Stat;
      if ((COUNTED as readonly string[]).includes(e.type)) {
        bump(stats, sk, initStat, e.type);
        bump(runs, `${e.campaign_id}:${e.run_id}`, initRun, e.type);
      } else if (e.type === "opened") {
        bump(stats, sk, initStat, "opened");
        if (e.machine) bump(stats, sk, initStat, "machine_opened");
      } else if (e.type === "clicked") {
        bump(stats, sk, initStat, "clicked");
        if (e.machine) bump(stats, sk, initStat, "machine_clicked");
      }
    }
    for (const f of firsts) {
      const initRun = () => ({ campaign_id: f.campaign_id, run_id: f.run_id }) as Stat;
      // A person's first of each kind: the run's counter, and the daily people count on the day it happened.
      const firstOf = (isNew: boolean, at: string | null, counter: string, daily: string) => {
        if (!isNew) return;
        bump(runs, `${f.campaign_id}:${f.run_id}`, initRun, counter);
        bump(stats, `${f.campaign_id}:${f.run_id}:${day(at!)}`, () => ({ campaign_id: f.campaign_id, run_id: f.run_id, day: day(at!) }) as Stat & { day: string }, daily);
      };
      firstOf(f.new_open, f.opened_at, "opened", "unique_opened");
      firstOf(f.new_click, f.clicked_at, "clicked", "unique_clicked");
      firstOf(f.new_human_open, f.human_opened_at, "human_opened", "human_opened");
      firstOf(f.new_human_click, f.human_clicked_at, "human_clicked", "human_clicked");
    }

    const statCols = ["delivered", "delivery_delayed", "failed", "bounced", "complained", "opened", "unique_opened", "machine_opened", "clicked", "unique_clicked", "machine_clicked", "human_opened", "human_clicked"];
    await tx.execute(sql`
      insert into campaign_daily_stats (campaign_id, run_id, day, ${sql.raw(statCols.join(", "))})
      select campaign_id, run_id, day, ${sql.raw(statCols.map((c) => `coalesce(${c}, 0)`).join(", "))}
      from jsonb_to_recordset(${JSON.stringify([...stats.values()])}::jsonb)
        as s(campaign_id bigint, run_id bigint, day date, ${sql.raw(statCols.map((c) => `${c} int`).join(", "))})
      on conflict (campaign_id, run_id, day) do update set
        ${sql.raw(statCols.map((c) => `${c} = campaign_daily_stats.${c} + excluded.${c}`).join(", "))}, updated_at = now()`);

    const counterCols = ["delivered", "failed", "bounced", "complained", "opened", "clicked", "human_opened", "human_clicked"];
    const deltas = JSON.stringify([...runs.values()]);
    const cols = sql.raw(counterCols.map((c) => `${c} int`).join(", "));
    await tx.execute(sql`
      update campaign_runs r set ${sql.raw(counterCols.map((c) => `${c} = r.${c} + coalesce(d.${c}, 0)`).join(", "))}, updated_at = now()
      from jsonb_to_recordset(${deltas}::jsonb) as d(campaign_id bigint, run_id bigint, ${cols})
      where r.campaign_id = d.campaign_id and r.id = d.run_id`);
    await tx.execute(sql`
      update campaigns c set ${sql.raw(counterCols.map((x) => `${x} = c.${x} + d.${x}`).join(", "))}, updated_at = now()
      from (
        select campaign_id, ${sql.raw(counterCols.map((x) => `coalesce(sum(${x}), 0)::int as ${x}`).join(", "))}
        from jsonb_to_recordset(${deltas}::jsonb) as d(campaign_id bigint, run_id bigint, ${cols}) group by campaign_id
      ) d
      where c.id = d.campaign_id`);
    return batch.length;
  });
}

/**
 * The burst judgement, once every click of the window is committed: a click
 * is a machine's when another link of the same email was clicked within the
 * burst window, before or after it, whichever process or group commit
 * recorded it. One probe of the log per email (its clicks around the batch's,
 * through the clicks index), and a window over each email's clicks in time
 * order: no comparison of every click with every other. A burst found is
 * written to click_bursts (the log is never rewritten; email_events_judged
 * reads the two together) and the click is folded as a machine's.
 */
async function judgeBursts(tx: Executor, batch: Queued[]) {
  const clicks = batch.filter((e) => e.type === "clicked" && e.event_id !== null && e.scheduled_email_id !== null);
  if (!clicks.length) return;
  const flagged = await tx.execute<{ event_id: number }>(burstsStatement(clicks));
  if (!flagged.length) return;
  const burst = new Set(flagged.map((f) => Number(f.event_id)));
  for (const e of clicks) if (burst.has(Number(e.event_id))) e.machine = true;
}

/** The statement judgeBursts runs (exported for the benchmark's EXPLAIN). */
export function burstsStatement(clicks: Array<Pick<Queued, "campaign_id" | "run_id" | "scheduled_email_id" | "event_id" | "occurred_at">>) {
  const window = sql.raw(`make_interval(secs => ${BURST_WINDOW_MS / 1000})`);
  // The batch's time span as bounds the planner can prune the monthly partitions with, at run time as well.
  const times = clicks.map((c) => Date.parse(c.occurred_at));
  const from = new Date(Math.min(...times) - BURST_WINDOW_MS).toISOString();
  const to = new Date(Math.max(...times) + BURST_WINDOW_MS).toISOString();
  const rows = clicks.map((c) => ({ campaign_id: c.campaign_id, run_id: c.run_id, scheduled_email_id: c.scheduled_email_id, event_id: c.event_id, occurred_at: c.occurred_at }));
  return sql`
    with email as materialized (
      -- The batch's clicks by email: where to look, and which of the clicks found are the batch's own.
      select campaign_id, run_id, scheduled_email_id, min(occurred_at) - ${window} as lo, max(occurred_at) + ${window} as hi, array_agg(event_id) as ids
      from jsonb_to_recordset(${JSON.stringify(rows)}::jsonb)
        as c(campaign_id bigint, run_id bigint, scheduled_email_id bigint, event_id bigint, occurred_at timestamptz)
      group by 1, 2, 3
    ), near as (
      -- Every click of these emails around the batch's, folded or not, theirs included; "mixed": another link within the window.
      select p.campaign_id, p.id, p.occurred_at, p.id = any(email.ids) as mine,
             min(p.link) over w is distinct from max(p.link) over w as mixed
      from email cross join lateral (
        select p.campaign_id, p.id, p.occurred_at, p.scheduled_email_id, coalesce(p.data->>'link', '') as link from email_events p
        where p.campaign_id = email.campaign_id and p.run_id = email.run_id and p.scheduled_email_id = email.scheduled_email_id
          and p.type = 'clicked' and p.occurred_at between email.lo and email.hi
          and p.occurred_at between ${from}::timestamptz and ${to}::timestamptz
        -- A fence: the probe stays one index range per email, whatever the planner estimates for the batch. One bench
        -- run, before it, spent 2.6 s a call instead of 0.1 s on the same buffers (a plan we could not reproduce).
        offset 0
      ) p
      window w as (partition by p.campaign_id, p.scheduled_email_id order by p.occurred_at range between ${window} preceding and ${window} following)
    )
    insert into click_bursts (campaign_id, event_id, occurred_at)
    select campaign_id, id, occurred_at from near where mine and mixed
    on conflict (campaign_id, event_id) do update set occurred_at = excluded.occurred_at
    returning event_id`;
}
