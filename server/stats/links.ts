import { sql } from "drizzle-orm";
import type { Executor } from "../../db/client";

export interface LinkStats {
  link: string;
  /** The hidden link only machines follow (server/tracking/links.ts): shown so its clicks explain the machine figures. */
  decoy: boolean;
  humanClicks: number;
  machineClicks: number;
  /** People who clicked it as a person / people whose clicks on it were all a machine's. */
  humanPeople: number;
  machinePeople: number;
  /** Why its machine clicks were judged so, most frequent first (server/tracking/machine.ts). */
  reasons: Array<{ reason: string; clicks: number }>;
}

const HREF = /<a\b[^>]*?\bhref\s*=\s*(["'])(https?:\/\/[^"']+)\1/gi;

/**
 * Every tracked link of a campaign (or one run): the links its runs sent
 * (from each run's snapshot, so a link nobody clicked is listed with zeros)
 * and every link clicked, with human and machine clicks and the people
 * behind them. Links with merge tags are listed as clicked, one per address.
 */
export async function linkStats(db: Executor, q: { campaignId: number; runId?: number }): Promise<LinkStats[]> {
  const run = q.runId ? sql`and run_id = ${q.runId}` : sql``;
  const [clicked, reasons, steps] = await Promise.all([
    db.execute<{ link: string; decoy: boolean; human_clicks: number; machine_clicks: number; human_people: number; machine_people: number }>(sql`
      with c as (
        select data->>'link' as link, coalesce(data->>'decoy' = 'true', false) as decoy, machine, recipient_id
        from email_events_judged where campaign_id = ${q.campaignId} ${run} and type = 'clicked' and recipient_id is not null
      ), per_person as (
        select link, decoy, recipient_id, bool_or(not machine) as human from c group by 1, 2, 3
      )
      select c.link, c.decoy, count(*) filter (where not c.machine)::int as human_clicks, count(*) filter (where c.machine)::int as machine_clicks,
             (select count(*) from per_person p where p.link = c.link and p.decoy = c.decoy and p.human)::int as human_people,
             (select count(*) from per_person p where p.link = c.link and p.decoy = c.decoy and not p.human)::int as machine_people
      from c group by c.link, c.decoy`),
    db.execute<{ link: string; decoy: boolean; reason: string; clicks: number }>(sql`
      select data->>'link' as link, coalesce(data->>'decoy' = 'true', false) as decoy, r.reason, count(*)::int as clicks
      from email_events_judged, jsonb_array_elements_text(coalesce(data->'machineReasons', '[]'::jsonb)) as r(reason)
      where campaign_id = ${q.campaignId} ${run} and type = 'clicked' and machine and recipient_id is not null
      group by 1, 2, 3`),
    db.execute<{ html: string }>(sql`select html from run_steps where campaign_id = ${q.campaignId} ${run}`),
  ]);
  const byLink = new Map<string, LinkStats>();
  for (const step of steps) {
    for (const m of step.html.matchAll(HREF)) {
      const link = m[2]!.replace(/&amp;/g, "&");
      if (!link.includes("{{") && !byLink.has(link)) byLink.set(link, { link, decoy: false, humanClicks: 0, machineClicks: 0, humanPeople: 0, machinePeople: 0, reasons: [] });
    }
  }
  const key = (link: string, decoy: boolean) => (decoy ? `decoy:${link}` : link);
  for (const c of clicked) {
    byLink.set(key(c.link, c.decoy), { link: c.link, decoy: c.decoy, humanClicks: c.human_clicks, machineClicks: c.machine_clicks, humanPeople: c.human_people, machinePeople: c.machine_people, reasons: [] });
  }
  for (const r of reasons) byLink.get(key(r.link, r.decoy))?.reasons.push({ reason: r.reason, clicks: r.clicks });
  for (const s of byLink.values()) s.reasons.sort((a, b) => b.clicks - a.clicks);
  return [...byLink.values()].sort((a, b) => Number(a.decoy) - Number(b.decoy) || b.humanPeople - a.humanPeople || b.machineClicks - a.machineClicks || a.link.localeCompare(b.link));
}
