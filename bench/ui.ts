import { sql } from "drizzle-orm";
import { createUser } from "../server/auth/users";
import { createCampaign } from "../server/campaigns/campaigns";
import { transitionCampaign } from "../server/campaigns/lifecycle";
import { outboxTransport } from "../server/sending/outbox-transport";
import { sendRun } from "../server/sending/send-run";
import { createTemplate } from "../server/templates/templates";
import { signIn, startTestServer } from "../tests/helpers/http";
import { benchDatabase, fmt, percentile, report } from "./harness";

/**
 * Server time of the pages people keep open: the campaigns page and a campaign
 * page with 1,000 campaigns of 100 runs each, a list of 10,000 members, and a
 * campaign whose run has 100,000 recipients (two steps, 20,000 sent).
 */
export async function uiBench() {
  const { services, close } = await benchDatabase("ui");
  const db = services.db;
  await db.execute(sql`insert into campaigns (name, from_email, status, sent, opened, clicked, lifetime_runs, last_run_result)
                       select 'Campaign ' || g, 'b@herald.test', (array['draft','running','paused','completed','cancelled'])[1 + g % 5]::campaign_status, g * 97, g * 31, g * 7, 100, 'Run 100 completed: 9,812 sent, 41 failed, 2,304 opened'
                       from generate_series(1, 1000) g`);
  await db.execute(sql`insert into campaign_runs (campaign_id, run_number, status, scheduled_count, recipients, sent, failed, opened, started_at, completed_at)
                       select c.id, n, 'COMPLETED', 1000, 1000, 990, 10, 300, now() - (100 - n) * interval '1 day', now() - (100 - n) * interval '1 day' + interval '1 hour'
                       from campaigns c, generate_series(1, 100) n`);
  await db.execute(sql`update campaigns c set current_run_id = r.id from campaign_runs r where r.campaign_id = c.id and r.run_number = 100`);

  // A list of 10,000 members, and a campaign over 100,000 leads started and partly sent through the real paths.
  const [small] = await db.execute<{ id: number }>(sql`insert into lists (name) values ('ten thousand') returning id`);
  const [large] = await db.execute<{ id: number }>(sql`insert into lists (name) values ('hundred thousand') returning id`);
  await db.execute(sql`
    with l as (insert into leads (email, first_name, company) select 'ui-' || g || '@example.com', 'Lead' || g, 'Co' || (g % 97) from generate_series(1, 100000) g returning id)
    insert into list_members (list_id, lead_id) select ${large!.id}, id from l`);
  await db.execute(sql`insert into list_members (list_id, lead_id) select ${small!.id}, lead_id from list_members where list_id = ${large!.id} order by lead_id limit 10000`);
  const template = await createTemplate(db, { name: "ui", subject: "Hi {{first_name}}", html: "<p>Hello {{first_name}}</p>", text: "Hello" });
  const big = await createCampaign(db, {
    name: "Hundred thousand", kind: "sequence", fromEmail: "b@herald.test", listIds: [large!.id], throttlePerMinute: 1_000_000,
    steps: [{ templateId: template.id, delayMinutes: 0, stopOnReply: true }, { templateId: template.id, delayMinutes: 3 * 1440, stopOnReply: true }],
  });
  const started = await transitionCampaign(db, big.id, "start", { source: "cli" });
  await sendRun(services, outboxTransport, big.id, started.runId!, { workerId: "ui-bench", limit: 20_000 });
  await db.execute(sql`analyze`);
  await createUser(db, { email: "bench@herald.test", role: "viewer", password: "bench-password-1" });

  // The real server on a free port with PUBLIC_URL set to it, signed in through the login form with its Origin (as a browser).
  const server = await startTestServer(services);
  const base = server.base;
  const cookie = await signIn(base, "bench@herald.test", "bench-password-1");

  const time = async (urls: string[], n: number) => {
    const times: number[] = [];
    for (let i = 0; i < n; i++) {
      const t0 = performance.now();
      const res = await fetch(`${base}${urls[i % urls.length]}`, { headers: { cookie } });
      await res.text();
      if (res.status !== 200) throw new Error(`${urls[i % urls.length]} answered ${res.status}`);
      times.push(performance.now() - t0);
    }
    return { p50: percentile(times, 50), p95: percentile(times, 95) };
  };
  await time(["/campaigns"], 5);
  const list = await time(["/campaigns", "/campaigns?status=completed", "/campaigns?page=7", "/campaigns?q=Campaign%2042"], 100);
  const one = await time(Array.from({ length: 20 }, (_, i) => `/campaigns/${1 + i * 47}`), 100);
  const runs = await time(Array.from({ length: 20 }, (_, i) => `/campaigns/${1 + i * 47}/runs/${1 + i * 4}`), 60);
  const members = await time([`/lists/${small!.id}`, `/lists/${small!.id}?page=57`, `/lists/${small!.id}?q=ui-42`, `/lists/${small!.id}?page=200`], 100);
  const bigCampaign = await time([`/campaigns/${big.id}`], 60);
  const bigRun = await time([`/campaigns/${big.id}/runs/1`, `/campaigns/${big.id}/runs/1?page=900`, `/campaigns/${big.id}/runs/1?status=sent`, `/campaigns/${big.id}/runs/1?q=ui-777`], 100);
  report("ui (npm run bench -- ui)", [
    ["campaigns page (1,000 campaigns, filters, pages, search)", `p95 ${fmt.format(list.p95)} ms (p50 ${fmt.format(list.p50)} ms)`, "p95 ≤ 200 ms"],
    ["a campaign page (100 runs in its history)", `p95 ${fmt.format(one.p95)} ms (p50 ${fmt.format(one.p50)} ms)`, "p95 ≤ 200 ms"],
    ["a run page", `p95 ${fmt.format(runs.p95)} ms (p50 ${fmt.format(runs.p50)} ms)`, "–"],
    ["a list page (10,000 members: first page, page 57, search, past the end)", `p95 ${fmt.format(members.p95)} ms (p50 ${fmt.format(members.p50)} ms)`, "p95 ≤ 200 ms"],
    ["the campaign page of a 100,000-recipient run (2 steps, 20,000 sent; live, every 3 s)", `p95 ${fmt.format(bigCampaign.p95)} ms (p50 ${fmt.format(bigCampaign.p50)} ms)`, "p95 ≤ 200 ms"],
    ["its run page (recipients with next send and why waiting: first page, page 900, status filter, search)", `p95 ${fmt.format(bigRun.p95)} ms (p50 ${fmt.format(bigRun.p50)} ms)`, "p95 ≤ 200 ms"],
  ]);
  await server.close();
  await close();
}
