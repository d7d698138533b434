import postgres from "postgres";

/**
 * The physical floor of sending through the outbox: per batch of 100, the
 * durable writes Herald makes (claim the due emails and mark them sent, store
 * the outbox message, append the `sent` event, mark the recipient, bump daily
 * stats, the run's and the campaign's counters) as ONE hand-written statement,
 * one commit, no rendering in Node and no round trips. Its rows are Herald's
 * rows byte for byte in shape and size: the same message body with signed
 * unsubscribe, decoy-click and open-pixel links (tokens of the same form and
 * length, hashed in SQL), the same text part and headers, and message ids of
 * the same length that grow at the index's right edge like Herald's. Until
 * 2026-11-24 its outbox rows were a third smaller than Herald's (short md5
 * links, no links in the text part). Like Herald's lanes
 * (decision 050), each lane claims after the last email it claimed, so
 * neither walks the sent emails' dead index entries. Herald cannot beat it;
 * its throughput as a share of this is what its own overhead costs.
 */
/** A token as Herald's signToken/signClick write it (server/tracking): base64url of the claims, a dot, 22 characters of a MAC. */
const token = (claims: string) => `translate(rtrim(encode(convert_to(${claims}, 'UTF8'), 'base64'), '='), E'+/\\n', '-_') || '.'
  || left(translate(encode(sha256(convert_to('bench:' || ${claims}, 'UTF8')), 'base64'), '+/', '-_'), 22)`;

const BATCH = `
  with due as (
    select e.campaign_id, e.id, e.recipient_id, e.step_number, e.scheduled_for from scheduled_emails e
    where e.campaign_id = $1 and e.run_id = $2 and e.status = 'pending' and e.scheduled_for <= now()
      and (e.scheduled_for, e.id) > ($3::text::timestamptz, $4::bigint)
    order by e.scheduled_for, e.id limit 100 for update skip locked
  ), done as (
    update scheduled_emails e set status = 'sent', attempts = e.attempts + 1, provider_message_id = 'floor-' || lpad(e.id::text, 32, '0'), sent_at = now(), updated_at = now()
    from due where e.campaign_id = due.campaign_id and e.id = due.id
    returning e.campaign_id, e.id, e.recipient_id, e.step_number
  ), recipients as (
    update run_recipients r set status = 'sent', first_sent_at = coalesce(r.first_sent_at, now()), updated_at = now()
    from done where r.campaign_id = done.campaign_id and r.id = done.recipient_id
    returning r.id, r.email, r.lead_id
  ), links as (
    select d.id, r.email, l.first_name, l.company, t.u, t.c, t.o
    from done d join recipients r on r.id = d.recipient_id join leads l on l.id = r.lead_id
    cross join lateral (
      select ${token("'u.' || $1::bigint || '.' || d.id")} as u, ${token("$1::bigint || '.' || d.id || '.!http://localhost:3000/'")} as c,
             ${token("'o.' || $1::bigint || '.' || d.id")} as o) t
  ), outbox as (
    insert into outbox_messages (campaign_id, scheduled_email_id, provider_message_id, from_address, to_address, subject, html, text, headers)
    select $1, k.id, 'floor-' || lpad(k.id::text, 32, '0'), 'bench@herald.test', k.email, 'Hi ' || k.first_name,
           '<p>Hello ' || k.first_name || ' at ' || k.company || E'</p>\n<p style="font-size:12px;color:#888">Don''t want these emails? <a href="http://localhost:3000/u/' || k.u || E'">Unsubscribe</a>.</p>\n'
             || '<a href="http://localhost:3000/c/' || k.c || '" style="display:none" aria-hidden="true" tabindex="-1"></a>'
             || '<img src="http://localhost:3000/o/' || k.o || '.gif" width="1" height="1" alt="" style="display:none">',
           'Hello ' || k.first_name || E'\n\n--\nUnsubscribe: http://localhost:3000/u/' || k.u,
           jsonb_build_object('List-Unsubscribe', '<http://localhost:3000/u/' || k.u || '>', 'List-Unsubscribe-Post', 'List-Unsubscribe=One-Click')
    from links k
    returning 1
  ), events as (
    insert into email_events (campaign_id, run_id, recipient_id, scheduled_email_id, type, data)
    select $1, $2, d.recipient_id, d.id, 'sent', jsonb_build_object('provider_message_id', 'floor-' || lpad(d.id::text, 32, '0'), 'step', d.step_number) from done d
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
