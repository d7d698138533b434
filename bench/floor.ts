import postgres from "postgres";

/**
 * The physical floor of sending through the outbox: per batch of 100, the
 * durable writes Herald makes (claim the due emails and mark them sent, store
 * the outbox message, append the `sent` event, mark the recipient, bump daily
 * stats, the run's and the campaign's counters) as ONE hand-written statement,
 * one commit, no rendering in Node and no round trips. Like Herald's lanes
 * (decision 050), each lane claims after the last email it claimed, so
 * neither walks the sent emails' dead index entries. Herald cannot beat it;
 * its throughput as a share of this is what its own overhead costs.
 */
const BATCH = `
  with due as (
    select e.campaign_id, e.id, e.recipient_id, e.step_number, e.scheduled_for from scheduled_emails e
    where e.campaign_id = $1 and e.run_id = $2 and e.status = 'pending' and e.scheduled_for <= now()
      and (e.scheduled_for, e.id) > ($3::text::timestamptz, $4::bigint)
    order by e.scheduled_for, e.id limit 100 for update skip locked
  ), done as (
    update scheduled_emails e set status = 'sent', attempts = e.attempts + 1, provider_message_id = 'floor-' || e.id, sent_at = now(), updated_at = now()
    from due where e.campaign_id = due.campaign_id and e.id = due.id
    returning e.campaign_id, e.id, e.recipient_id, e.step_number
  ), recipients as (
    update run_recipients r set status = 'sent', first_sent_at = coalesce(r.first_sent_at, now()), updated_at = now()
    from done where r.campaign_id = done.campaign_id and r.id = done.recipient_id
    returning r.id, r.email, r.lead_id
  ), outbox as (
    insert into outbox_messages (campaign_id, scheduled_email_id, provider_message_id, from_address, to_address, subject, html, text, headers)
    select $1, d.id, 'floor-' || d.id, 'Bench <bench@herald.test>', r.email, 'Hi ' || l.first_name,
           '<p>Hello ' || l.first_name || ' at ' || l.company || '</p><img src="http://localhost:3000/o/' || md5(d.id::text) || '.gif" width="1" height="1" alt="">'
             || '<p style="font-size:12px;color:#888">Don''t want these emails? <a href="http://localhost:3000/u/' || md5(r.id::text) || '">Unsubscribe</a>.</p>',
           'Hello ' || l.first_name,
           jsonb_build_object('List-Unsubscribe', '<http://localhost:3000/u/' || md5(r.id::text) || '>', 'List-Unsubscribe-Post', 'List-Unsubscribe=One-Click')
    from done d join recipients r on r.id = d.recipient_id join leads l on l.id = r.lead_id
    returning 1
  ), events as (
    insert into email_events (campaign_id, run_id, recipient_id, scheduled_email_id, type, data)
    select $1, $2, d.recipient_id, d.id, 'sent', jsonb_build_object('provider_message_id', 'floor-' || d.id, 'step', d.step_number) from done d
    returning 1
  ), n as (
    select count(*)::int as n from done
  ), stats as (
    insert into campaign_daily_stats (campaign_id, run_id, day, sent) select $1, $2, (now() at time zone 'UTC')::date, n from n where n > 0
    on conflict (campaign_id, run_id, day) do update set sent = campaign_daily_stats.sent + excluded.sent, updated_at = now()
    returning 1
  ), run as (
    update campaign_runs set sent = sent + n.n, updated_at = now() from n where campaign_id = $1 and id = $2 and n.n > 0 returning 1
  ), campaign as (
    update campaigns set sent = sent + n.n, updated_at = now() from n where id = $1 and n.n > 0 returning 1
  )
  select n.n, (select scheduled_for::text from due order by scheduled_for desc, id desc limit 1) as cursor_at,
    (select id from due order by scheduled_for desc, id desc limit 1) as cursor_id,
    (select count(*) from outbox) + (select count(*) from events) + (select count(*) from stats) + (select count(*) from run) + (select count(*) from campaign) as touched
  from n`;

/** Sends up to `limit` due emails of the run with the floor statement on `lanes` connections; emails and seconds. */
export async function physicalFloor(url: string, campaignId: number, runId: number, limit: number, lanes: number) {
  // The floor is a reference for the writes, not for the planner: a run just written has no statistics yet,
  // and this hand-written claim (unlike Herald's, tests/engine/claim-plan.test.ts) may then scan and sort the
  // whole run for every batch, or hash a campaign's million recipients to update a hundred (decision 027). Its
  // sessions take index probes: no sequential or bitmap scans, no sorts, no hash or merge joins.
  const sql = postgres(url, {
    max: lanes, onnotice: () => {},
    connection: { jit: "off", enable_seqscan: "off", enable_sort: "off", enable_bitmapscan: "off", enable_hashjoin: "off", enable_mergejoin: "off" },
  });
  let sent = 0;
  const lane = async () => {
    let cursor: [string, string] = ["-infinity", "0"];
    while (sent < limit) {
      const [row] = await sql.unsafe<Array<{ n: number; cursor_at: string; cursor_id: string }>>(BATCH, [campaignId, runId, ...cursor]);
      if (!row?.n) {
        if (cursor[0] === "-infinity") return;
        cursor = ["-infinity", "0"];
        continue;
      }
      sent += row.n;
      cursor = [row.cursor_at, String(row.cursor_id)];
    }
  };
  const t0 = performance.now();
  await Promise.all(Array.from({ length: lanes }, lane));
  const seconds = (performance.now() - t0) / 1000;
  await sql.end({ timeout: 5 });
  return { sent, seconds };
}
