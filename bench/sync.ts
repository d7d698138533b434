import { spawn } from "node:child_process";
import { sql } from "drizzle-orm";
import { transitionCampaign } from "../server/campaigns/lifecycle";
import { createCampaign } from "../server/campaigns/campaigns";
import { createTemplate } from "../server/templates/templates";
import type { Services } from "../server/services";
import { sleep } from "../sync/pacer";
import { startAirtableServer } from "../sync/sandbox/airtable-server";
import { configuredBases, enableSync, schemaOf, syncOnce } from "../sync/run";
import { initSchema } from "../sync/schema-check";
import { benchDatabase, fmt, percentile, report } from "./harness";

const CONTROL = "appBenchControl";
const PERF = "appBenchPerf";
const CEILING = 50; // records/s per base: 5 requests/s × 10 records

/**
 * The initial push of 1,000 campaigns (Control) and 30,030 KPI records
 * (Performance) at once, while another process burns a core; meanwhile the
 * Control base runs a round every minute as the worker's cron does, Herald's
 * counters keep changing, and ops pause ten campaigns, five of them while a
 * push is under way.
 */
export async function syncBench() {
  const rows: Array<[string, string, string]> = [];
  const burner = spawn(process.execPath, ["-e", "for (;;) {}"], { stdio: "ignore" });
  const airtable = await startAirtableServer();
  const { services: base, close } = await benchDatabase("sync");
  const services: Services = {
    ...base,
    config: { ...base.config, AIRTABLE_TOKEN: airtable.token, AIRTABLE_ENDPOINT_URL: airtable.url, AIRTABLE_CONTROL_BASE_ID: CONTROL, AIRTABLE_PERFORMANCE_BASE_ID: PERF, airtable: "on" },
  };
  try {
    const bases = configuredBases(services);
    await initSchema(bases.control!, schemaOf("control"));
    await initSchema(bases.performance!, schemaOf("performance"));
    const db = services.db;
    await db.execute(sql`insert into campaigns (name, from_email, status, sent, opened) select 'campaign ' || g, 'b@herald.test', 'completed', 1000 + g, 300 + g from generate_series(1, 1000) g`);
    await db.execute(sql`insert into campaign_runs (campaign_id, run_number, status) select id, 1, 'COMPLETED' from campaigns`);
    await db.execute(sql`
      insert into campaign_daily_stats (campaign_id, run_id, day, sent, delivered, opened, unique_opened)
      select r.campaign_id, r.id, current_date - d, 30 + d, 29 + d, 10, 8 from campaign_runs r, generate_series(0, 29) d`);
    const toPause = await pausable(services, 10);
    await enableSync(services); // as `herald airtable init` does: queues the full push
    const [queued] = await db.execute<{ control: number; performance: number }>(sql`
      select count(*) filter (where base = 'control')::int as control, count(*) filter (where base = 'performance')::int as performance from sync_outbox`);

    let lastPatch = 0;
    airtable.beforeRequest((info) => {
      if (info.baseId === CONTROL && info.method === "PATCH") lastPatch = Date.now();
    });
    let done = false;
    // Figures so far, each minute: a run cut short still reports what it measured.
    const progress = (what: string) => {
      const c = airtable.busiestSecond(CONTROL);
      const p = airtable.busiestSecond(PERF);
      console.log(`[${new Date().toISOString().slice(11, 19)}] ${what} | over the limit in a sliding second: control ${c.over} (busiest ${c.most}), performance ${p.over} (busiest ${p.most}); 429s ${airtable.stats.violations}`);
    };
    const ticker = setInterval(() => void db.execute<{ n: number }>(sql`select count(*)::int as n from sync_outbox where base = 'performance'`).then(([r]) => progress(`performance records still to push: ${r!.n}`)), 60_000);

    // Performance: rounds back to back until its initial push is through.
    const perf = (async () => {
      const t0 = performance.now();
      let pushed = 0;
      for (;;) {
        const [r] = await syncOnce(services, "performance");
        if (!r?.pushed) break;
        pushed += r.pushed;
      }
      progress(`Performance initial push: ${pushed} records in ${fmt.format((performance.now() - t0) / 1000)} s = ${fmt.format(pushed / ((performance.now() - t0) / 1000))} records/s`);
      return { pushed, seconds: (performance.now() - t0) / 1000 };
    })();

    // Control: a round at every minute tick, like the worker's cron; the first rounds carry the initial push.
    let controlInitial: { pushed: number; seconds: number } | null = null;
    const control = (async () => {
      while (!done) {
        const t0 = performance.now();
        const [r] = await syncOnce(services, "control");
        // The first round carries the initial push (a round's budget is 1,000 records); its time includes the pull.
        if (!controlInitial) {
          controlInitial = { pushed: r?.pushed ?? 0, seconds: (performance.now() - t0) / 1000 };
          progress(`Control first round: ${controlInitial.pushed} records in ${fmt.format(controlInitial.seconds)} s = ${fmt.format(controlInitial.pushed / controlInitial.seconds)} records/s`);
        }
        const next = Date.now() + 60_000 - (Date.now() % 60_000);
        while (!done && Date.now() < next) await sleep(250);
      }
    })();

    // Herald keeps counting: 300 campaigns change every 15 s, so most rounds have a push to make.
    const churn = (async () => {
      while (!done) {
        await db.execute(sql`update campaigns set sent = sent + 1 where id in (select id from campaigns where status = 'completed' order by random() limit 300)`);
        await sleep(15_000);
      }
    })();

    // Ten ops pauses, alternately during a push (a write went out in the last 300 ms) and while idle (none for 2 s).
    const latencies: Array<{ duringPush: boolean; seconds: number }> = [];
    while (!controlInitial) await sleep(500);
    for (let i = 0; i < toPause.length; i++) {
      const duringPush = i % 2 === 0;
      while (duringPush ? Date.now() - lastPatch > 300 : Date.now() - lastPatch < 2_000) await sleep(50);
      const record = airtable.records(CONTROL, "Campaigns").find((r) => r.fields["Herald ID"] === toPause[i])!;
      const editAt = Date.now();
      airtable.edit(CONTROL, "Campaigns", record.id, { Status: "Paused" });
      for (;;) {
        const [c] = await db.execute<{ status: string }>(sql`select status from campaigns where id = ${toPause[i]!}`);
        if (c!.status === "paused") break;
        await sleep(200);
      }
      latencies.push({ duringPush, seconds: (Date.now() - editAt) / 1000 });
      progress(`edit ${i + 1} (${duringPush ? "during a push" : "idle"}): paused after ${fmt.format((Date.now() - editAt) / 1000)} s`);
    }
    const perfResult = await perf;
    done = true;
    clearInterval(ticker);
    await Promise.all([control, churn]);

    const c = controlInitial as unknown as { pushed: number; seconds: number };
    rows.push([`initial push, Control base: first round, ${fmt.format(c.pushed)} record writes for ${fmt.format(queued!.control)} queued campaigns (pull included; counters kept changing meanwhile)`, `${fmt.format(c.pushed / c.seconds)} records/s = ${fmt.format((c.pushed / c.seconds / CEILING) * 100)} % of the ${CEILING} records/s ceiling (${fmt.format(c.seconds)} s)`, "–"]);
    rows.push([`initial push, Performance base: ${fmt.format(queued!.performance)} records`, `${fmt.format(perfResult.pushed / perfResult.seconds)} records/s = ${fmt.format((perfResult.pushed / perfResult.seconds / CEILING) * 100)} % of the ceiling (${fmt.format(perfResult.seconds)} s)`, "as near the ceiling as the limit allows"]);
    for (const [name, id] of [["Control", CONTROL], ["Performance", PERF]] as const) {
      const s = airtable.busiestSecond(id);
      rows.push([`${name} base: requests over 5 in any sliding second (as the server counts arrivals)`, `${s.over} (busiest second: ${s.most} requests; ${airtable.stats.byBase.get(id) ?? 0} requests in all)`, "0"]);
    }
    rows.push(["429s answered by the server", String(airtable.stats.violations), "0"]);
    const during = latencies.filter((l) => l.duringPush).map((l) => l.seconds);
    const idle = latencies.filter((l) => !l.duringPush).map((l) => l.seconds);
    rows.push(["ops edit → campaign paused, 5 edits during a push", `median ${fmt.format(percentile(during, 50))} s, worst ${fmt.format(Math.max(...during))} s (${during.map((x) => fmt.format(x)).join(", ")})`, "≤ one minute + a round"]);
    rows.push(["ops edit → campaign paused, 5 edits while idle", `median ${fmt.format(percentile(idle, 50))} s, worst ${fmt.format(Math.max(...idle))} s (${idle.map((x) => fmt.format(x)).join(", ")})`, "≤ one minute + a round"]);
    report("sync (npm run bench -- sync), another process burning a core", rows);
  } finally {
    burner.kill();
    await close();
    await airtable.close();
  }
}

/** Scheduled campaigns ops can pause. */
async function pausable(services: Services, n: number): Promise<number[]> {
  const { db } = services;
  const template = await createTemplate(db, { name: "t", subject: "s", html: "<p>x</p>", text: "" });
  const [list] = await db.execute<{ id: number }>(sql`insert into lists (name) values ('l') returning id`);
  await db.execute(sql`with l as (insert into leads (email) select 'p' || g || '@example.com' from generate_series(1, 5) g returning id) insert into list_members (list_id, lead_id) select ${list!.id}, id from l`);
  const ids: number[] = [];
  for (let i = 0; i < n; i++) {
    const c = await createCampaign(db, { name: `to pause ${i}`, kind: "broadcast", fromEmail: "b@herald.test", listIds: [list!.id], startAt: new Date(Date.now() + 86_400_000), steps: [{ templateId: template.id, delayMinutes: 0, stopOnReply: true }] });
    await transitionCampaign(db, c.id, "start", { source: "app" });
    ids.push(c.id);
  }
  return ids;
}
