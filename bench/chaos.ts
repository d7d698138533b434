import { spawn, type ChildProcess } from "node:child_process";
import path from "node:path";
import { sql } from "drizzle-orm";
import { createCampaign } from "../server/campaigns/campaigns";
import { transitionCampaign } from "../server/campaigns/lifecycle";
import { verifyCounters } from "../server/counters/verify";
import { createTemplate } from "../server/templates/templates";
import { startResendFake } from "../tests/fakes/resend";
import { benchDatabase, fmt, percentile, report } from "./harness";

const root = path.resolve(import.meta.dirname, "..");
const RECIPIENTS = Number(process.env.CHAOS_RECIPIENTS ?? 20_000);
/** The provider outage, in seconds (CHAOS_OUTAGE_SECONDS; "several minutes" by default). */
const OUTAGE_SECONDS = Number(process.env.CHAOS_OUTAGE_SECONDS ?? 180);
const KILL_EVERY_MS = Number(process.env.CHAOS_KILL_EVERY_MS ?? 8_000);
/** A worker younger than this is left alone: killing it while it boots would only measure boot time. */
const MIN_UPTIME_MS = 6_000;
const MIN_KILLS = 20;
const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

/**
 * Real worker processes (`herald worker`, two of them) send a 20,000-recipient
 * run with two sender identities through the Resend fake while this process
 * kills one of them with SIGKILL every few seconds and restarts it, adds
 * suppressions mid-run, and takes the provider down for minutes.
 */
export async function chaosBench() {
  const fake = await startResendFake({ rps: 10 });
  const env = { RESEND_API_KEY: fake.apiKey, RESEND_BASE_URL: fake.url, RESEND_RPS: "8" };
  const { services, url, close } = await benchDatabase("chaos", env);
  const { db } = services;

  const [list] = await db.execute<{ id: number }>(sql`insert into lists (name) values ('chaos') returning id`);
  await db.execute(sql`
    with l as (insert into leads (email, first_name, company) select 'chaos-' || g || '@example.com', 'Lead' || g, 'Co' || (g % 97) from generate_series(1, ${RECIPIENTS}) g returning id)
    insert into list_members (list_id, lead_id) select ${list!.id}, id from l`);
  const template = await createTemplate(db, { name: "chaos", subject: "Hi {{first_name|there}}", html: "<p>Hello {{first_name|there}} at {{company}}</p>", text: "Hello {{first_name}}" });
  const senderIds: number[] = [];
  for (const who of ["ana", "bo"]) {
    const [s] = await db.execute<{ id: number }>(sql`insert into sender_identities (from_email, from_name, daily_cap) values (${`${who}@herald.test`}, ${who}, 1000000) returning id`);
    senderIds.push(s!.id);
  }
  const campaign = await createCampaign(db, { name: "chaos", kind: "broadcast", fromEmail: "bench@herald.test", listIds: [list!.id], throttlePerMinute: 1_000_000, senderIds, steps: [{ templateId: template.id, delayMinutes: 0, stopOnReply: true }] });

  const workerEnv = { ...process.env, ...env, DATABASE_URL: url, HERALD_SECRET: services.secret, LOG_LEVEL: "info", HERALD_IN_PROCESS_WORKER: "false" };
  /** When each worker process finished starting (its first kick done), to split process start-up from recovery. */
  const readyAt = new Map<ChildProcess, number>();
  const spawnWorker = () => {
    const child = spawn(process.execPath, [path.join(root, "bin/herald.js"), "worker", "--concurrency", "4"], { cwd: root, env: workerEnv, stdio: ["ignore", "pipe", "ignore"] });
    child.stdout!.on("data", (chunk: Buffer) => {
      if (!readyAt.has(child) && chunk.toString().includes("worker started")) readyAt.set(child, Date.now());
    });
    return child;
  };
  const workers: ChildProcess[] = [spawnWorker(), spawnWorker()];
  const bornAt = [Date.now(), Date.now()];

  const { runId } = await transitionCampaign(db, campaign.id, "start", { source: "cli" });
  await db.execute(sql`analyze`); // as autovacuum would soon after a 20,000-row run is written
  const started = Date.now();
  const recoveries: number[] = [];
  /** After killing both workers: nobody sends until a restarted one takes over the dead one's lanes and batches. */
  const allDown: number[] = [];
  const startUp: number[] = [];
  const afterReady: number[] = [];
  let kills = 0;
  let suppressed = 0;
  let outageAt = 0;
  const runStatus = async () => (await db.execute<{ status: string }>(sql`select status from campaign_runs where id = ${runId}`))[0]!.status;

  for (;;) {
    await sleep(KILL_EVERY_MS * (0.5 + Math.random()));
    const accepted = fake.state.accepted.length;
    if (!suppressed && accepted > RECIPIENTS * 0.25) {
      // Suppressions mid-run: 200 recipients not yet sent.
      const rows = await db.execute(sql`
        insert into suppressions (email, reason) select r.email, 'unsubscribed' from scheduled_emails e join run_recipients r on r.campaign_id = e.campaign_id and r.id = e.recipient_id
        where e.run_id = ${runId} and e.status = 'pending' order by e.id desc limit 200 on conflict do nothing returning 1`);
      suppressed = rows.length;
    }
    if (!outageAt && accepted > RECIPIENTS * 0.5) {
      outageAt = Date.now();
      fake.state.down = 503;
      setTimeout(() => (fake.state.down = 0), OUTAGE_SECONDS * 1000);
    }
    const done = (await runStatus()) === "COMPLETED";
    if (done && kills >= MIN_KILLS) break;
    if (Date.now() - started > 30 * 60_000) break;
    // SIGKILL one worker at a random moment (every fifth time both) and start it again at once.
    const grown = [0, 1].filter((i) => Date.now() - bornAt[i]! >= MIN_UPTIME_MS);
    if (!grown.length) continue;
    const both = kills % 5 === 4 && grown.length === 2;
    const victims = both ? [0, 1] : [grown[Math.floor(Math.random() * grown.length)]!];
    for (const i of victims) {
      workers[i]!.kill("SIGKILL");
      kills++;
    }
    const restarted = Date.now();
    for (const i of victims) {
      workers[i] = spawnWorker();
      bornAt[i] = restarted;
    }
    const providerUp = fake.state.down === 0;
    if (providerUp && !done) {
      // Seconds from the restart to the next email the provider accepts.
      const before = fake.state.accepted.length;
      const t0 = Date.now();
      while (fake.state.accepted.length === before && Date.now() - t0 < 60_000 && fake.state.down === 0) await sleep(50);
      if (fake.state.accepted.length > before) {
        const at = Date.now();
        (both ? allDown : recoveries).push((at - restarted) / 1000);
        if (both) {
          const ready = Math.min(...victims.map((i) => readyAt.get(workers[i]!) ?? at));
          startUp.push((ready - restarted) / 1000);
          afterReady.push(Math.max(0, at - ready) / 1000);
        }
      }
    }
  }
  for (const w of workers) w.kill("SIGTERM");
  await sleep(1000);

  // The provider's ledger against Herald's records.
  const acceptedIds = new Map<string, number>();
  for (const e of fake.state.accepted) {
    const id = e.tags?.find((x) => x.name === "herald_email")?.value ?? "";
    acceptedIds.set(id, (acceptedIds.get(id) ?? 0) + 1);
  }
  const rows = await db.execute<{ id: string; status: string; email: string }>(sql`
    select e.id::text, e.status::text, r.email from scheduled_emails e join run_recipients r on r.campaign_id = e.campaign_id and r.id = e.recipient_id where e.run_id = ${runId}`);
  const duplicates = [...acceptedIds.values()].filter((n) => n > 1).length;
  const neverSent = rows.filter((r) => r.status !== "skipped" && !acceptedIds.has(r.id)).length;
  const falseFailures = rows.filter((r) => r.status === "failed" && acceptedIds.has(r.id)).length;
  const unknown = rows.filter((r) => r.status === "unknown").length;
  const skipped = rows.filter((r) => r.status === "skipped").length;
  const verify = await verifyCounters(db);
  const status = await runStatus();
  const minutes = (Date.now() - started) / 60_000;

  report("chaos (npm run bench -- chaos)", [
    ["set-up", `${fmt.format(RECIPIENTS)} recipients, 2 sender identities, 2 worker processes × 4 jobs, Resend fake 10 req/s (RESEND_RPS 8), ${suppressed} suppressions added mid-run, a ${OUTAGE_SECONDS} s 503 outage (CHAOS_OUTAGE_SECONDS)`, "–"],
    ["SIGKILLs of a worker process (restarted at once)", `${kills} in ${fmt.format(minutes)} min; run ${status}`, "≥ 20"],
    ["messages accepted by the provider", fmt.format(fake.state.accepted.length), `${fmt.format(RECIPIENTS - skipped)} (recipients − suppressed)`],
    ["duplicates by recipient+step", String(duplicates), "0"],
    ["recipients never sent (not suppressed)", String(neverSent), "0"],
    ["false failures (failed, but accepted)", String(falseFailures), "0"],
    ["unknown outcomes left", String(unknown), "0"],
    ["restart → next accepted email (s)", recoveries.length ? `median ${fmt.format(percentile(recoveries, 50))}, worst ${fmt.format(Math.max(...recoveries))} (${recoveries.length} restarts while the provider was up; the other worker keeps sending)` : "–", "≤ 10 s"],
    ["both workers killed → next accepted email (s), incl. process start-up", allDown.length ? `median ${fmt.format(percentile(allDown, 50))}, worst ${fmt.format(Math.max(...allDown))} (${allDown.length} times)` : "–", "≤ 10 s"],
    ["  of which: process start-up (node, tsx, migrations check) on this loaded machine", startUp.length ? `median ${fmt.format(percentile(startUp, 50))}, worst ${fmt.format(Math.max(...startUp))}` : "–", "–"],
    ["  of which: worker ready → next accepted email (Herald's recovery)", afterReady.length ? `median ${fmt.format(percentile(afterReady, 50))}, worst ${fmt.format(Math.max(...afterReady))}` : "–", "≤ 10 s"],
    ["verify-counters", verify.drift.length ? `${verify.drift.length} counters drifted` : "no drift", "no drift"],
  ]);
  await close();
  await fake.close();
}
