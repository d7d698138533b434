import { execFile } from "node:child_process";
import { writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import path from "node:path";
import { pathToFileURL } from "node:url";
import type { ServerBuild } from "@remix-run/node";
import { sql, type SQL } from "drizzle-orm";
import { TransactionRollbackError } from "drizzle-orm/errors";
import { createCampaign } from "../server/campaigns/campaigns";
import { transitionCampaign } from "../server/campaigns/lifecycle";
import { createHttpApp } from "../server/http/app";
import { outboxTransport } from "../server/sending/outbox-transport";
import { sendRun } from "../server/sending/send-run";
import { verifyCounters } from "../server/counters/verify";
import { createTemplate } from "../server/templates/templates";
import { burstsStatement, CLICK_HOLD_MS, foldEvents } from "../server/tracking/fold";
import { createHitWriter, type Hit, hitRow, judgedHitsStatement } from "../server/tracking/hits";
import { benchDatabase, fmt, report } from "./harness";

const root = path.resolve(import.meta.dirname, "..");

export async function trackingBench() {
  const { services, close } = await benchDatabase("tracking");
  const db = services.db;
  const [list] = await db.execute<{ id: number }>(sql`insert into lists (name) values ('tracking') returning id`);
  await db.execute(sql`with l as (insert into leads (email, first_name) select 'track' || g || '@example.com', 'T' || g from generate_series(1, 2000) g returning id)
                       insert into list_members (list_id, lead_id) select ${list!.id}, id from l`);
  const template = await createTemplate(db, { name: "t", subject: "Hi", html: '<p>Hi {{first_name}}, see <a href="https://example.com/pricing">pricing</a> or <a href="https://example.com/demo">a demo</a></p>', text: "Hi" });
  const c = await createCampaign(db, { name: "tracking", kind: "broadcast", fromEmail: "b@herald.test", listIds: [list!.id], throttlePerMinute: 1_000_000, steps: [{ templateId: template.id, delayMinutes: 0, stopOnReply: true }] });
  const { runId } = await transitionCampaign(db, c.id, "start", { source: "cli" });
  await sendRun(services, outboxTransport, c.id, runId!, { workerId: "bench" });
  const html = (await db.execute<{ html: string }>(sql`select html from outbox_messages where campaign_id = ${c.id}`)).map((m) => m.html);
  const pixels = html.map((h) => h.match(/src="http:\/\/localhost:3000(\/o\/[^"]+)"/)![1]!);
  // Fifty emails' first links, then the same fifty's second links, and so on: an email's second click comes a
  // fraction of a second after its first, inside the burst window, so the judging's costliest path (flagging the
  // earlier click too) runs all along; the next round through the list finds them again, seconds later.
  const links = html.map((h) => [...h.matchAll(/<a href="http:\/\/localhost:3000(\/c\/[^"]+)">/g)].map((m) => m[1]!));
  const clicks = Array.from({ length: Math.ceil(links.length / 50) }, (_, i) => links.slice(i * 50, i * 50 + 50)).flatMap((chunk) => [...chunk.map((l) => l[0]!), ...chunk.map((l) => l[1]!)]);

  const build = (await import(pathToFileURL(path.join(root, "build/index.js")).href)) as ServerBuild;
  const app = createHttpApp(services, build, { worker: () => "not-in-this-process", sync: () => ({ state: "off" }) }, path.join(root, "public"));
  const server = await new Promise<import("node:http").Server>((resolve) => { const s = app.listen(0, "127.0.0.1", () => resolve(s)); });
  const base = `http://127.0.0.1:${(server.address() as import("node:net").AddressInfo).port}`;

  const load = (paths: string[], concurrency: number, seconds: number) => new Promise<{ ok: number; failed: number; seconds: number; p50: number; p99: number }>((resolve, reject) => {
    const file = path.join(tmpdir(), `herald-bench-urls-${process.pid}.json`);
    writeFileSync(file, JSON.stringify(paths.map((p) => base + p)));
    execFile(process.execPath, ["--import", "tsx", path.join(root, "bench/load.ts"), `@${file}`, String(concurrency), String(seconds)], { cwd: root, maxBuffer: 1 << 22 }, (error, stdout) => (error ? reject(error) : resolve(JSON.parse(stdout))));
  });
  // Counted through email_events_judged: a click the fold found in a burst is a machine's there (decision 023).
  const events = async (type: "opened" | "clicked", afterId = 0) => (await db.execute<{ n: number; machine: number; last: number }>(sql`
    select count(*)::int as n, count(*) filter (where machine)::int as machine, coalesce(max(id), 0) as last
    from email_events_judged where campaign_id = ${c.id} and type = ${type} and id > ${afterId}`))[0]!;
  await load(pixels, 8, 2); // warm-up
  const before = await events("opened");
  const result = await load(pixels, 64, 10);
  const recorded = (await events("opened")).n - before.n;
  await load(clicks.slice(0, 200), 8, 2); // warm-up
  const clicksBefore = await events("clicked");
  const clickResult = await load(clicks, 64, 10);
  const clicksRecorded = (await events("clicked")).n - clicksBefore.n;

  // Work per batch, counted rather than timed (the machine is shared): EXPLAIN (ANALYZE, BUFFERS) of the recording
  // statement on a batch of 64 hits like the load's (both links of 32 emails; 64 pixels), and of the fold's burst
  // judgement on the clicks one fold batch would take; each in a transaction rolled back, so nothing is recorded twice.
  const explain = async (statement: SQL) => {
    let plan: { Plan: Record<string, number>; "Planning Time": number; "Execution Time": number } | undefined;
    await db.transaction(async (tx) => {
      const [row] = await tx.execute<{ "QUERY PLAN": Array<NonNullable<typeof plan>> }>(sql`explain (analyze, buffers, format json) ${statement}`);
      plan = row!["QUERY PLAN"][0];
      tx.rollback();
    }).catch((error) => { if (!(error instanceof TransactionRollbackError)) throw error; });
    return { blocks: plan!.Plan["Shared Hit Blocks"]! + plan!.Plan["Shared Read Blocks"]!, planning: plan!["Planning Time"], execution: plan!["Execution Time"] };
  };
  const emails = await db.execute<{ id: number }>(sql`select id from scheduled_emails where campaign_id = ${c.id} order by id limit 32`);
  const at = Date.now();
  const clickBatch = emails.flatMap((e, k) => ["https://example.com/pricing", "https://example.com/demo"].map((link, l) => hitRow({
    campaignId: c.id, scheduledEmailId: e.id, type: "clicked", occurredAt: new Date(at + k * 10 + l * 300), data: { link }, userAgent: "Mozilla/5.0 (X11; Linux x86_64) Chrome/120", ip: "127.0.0.1",
  }, k * 2 + l)));
  const openBatch = [...emails, ...emails].map((e, i) => hitRow({ campaignId: c.id, scheduledEmailId: e.id, type: "opened", occurredAt: new Date(at + i * 10), userAgent: "Mozilla/5.0 (X11; Linux x86_64) Chrome/120", ip: "127.0.0.1" }, i));
  const clickWork = await explain(judgedHitsStatement(clickBatch));
  const openWork = await explain(judgedHitsStatement(openBatch));
  const queuedClicks = await db.execute<{ campaign_id: number; run_id: number; scheduled_email_id: number; event_id: number; occurred_at: string }>(sql`
    select campaign_id, run_id, scheduled_email_id, event_id, occurred_at from event_folds where type = 'clicked' order by id limit 5000`);
  const burstWork = await explain(burstsStatement(queuedClicks.map((q) => ({ ...q, occurred_at: new Date(q.occurred_at).toISOString() }))));

  // Fold everything, the clicks still inside the burst window too (as of the moment they may be counted).
  const t0 = performance.now();
  let folded = 0;
  const asOf = { now: new Date(Date.now() + CLICK_HOLD_MS) };
  for (let n = await foldEvents(db, 5000, asOf); n > 0; n = await foldEvents(db, 5000, asOf)) folded += n;
  const foldSeconds = (performance.now() - t0) / 1000;
  const judgedMachine = (await events("clicked", clicksBefore.last)).machine; // the load's clicks, not the warm-up's

  // The fold on a fixed mix, whatever the endpoints managed to record (a faster endpoint leaves the fold above more
  // to do): 30,000 opens, then 16,000 clicks, both links of fifty emails at a time 10 ms apart, so every click is a
  // burst; recorded through the hit writer 64 at a time, half an hour back, an hour after the send.
  await db.execute(sql`update scheduled_emails set sent_at = now() - interval '1 hour' where campaign_id = ${c.id}`);
  const all = (await db.execute<{ id: number }>(sql`select id from scheduled_emails where campaign_id = ${c.id} order by id`)).map((e) => Number(e.id));
  const agent = "Mozilla/5.0 (X11; Linux x86_64) AppleWebKit/537.36 Chrome/120 Safari/537.36";
  let clock = Date.now() - 30 * 60_000;
  const mix: Hit[] = Array.from({ length: 30_000 }, (_, i) => ({ campaignId: c.id, scheduledEmailId: all[i % all.length]!, type: "opened" as const, occurredAt: new Date(clock += 1), userAgent: agent, ip: "127.0.0.1" }));
  const pairs = Array.from({ length: Math.ceil(all.length / 50) }, (_, k) => all.slice(k * 50, k * 50 + 50)).flatMap((chunk) => [...chunk.map((e) => [e, 0] as const), ...chunk.map((e) => [e, 1] as const)]);
  for (let i = 0; i < 16_000; i++) {
    const [e, l] = pairs[i % pairs.length]!;
    mix.push({ campaignId: c.id, scheduledEmailId: e, type: "clicked", occurredAt: new Date(clock += 10), data: { link: l ? "https://example.com/demo" : "https://example.com/pricing" }, userAgent: agent, ip: "127.0.0.1" });
  }
  const writer = createHitWriter(db);
  for (let i = 0; i < mix.length; i += 64) await Promise.all(mix.slice(i, i + 64).map((h) => writer.record(h)));
  const m0 = performance.now();
  let mixFolded = 0;
  for (let n = await foldEvents(db, 5000, asOf); n > 0; n = await foldEvents(db, 5000, asOf)) mixFolded += n;
  const mixSeconds = (performance.now() - m0) / 1000;
  const verified = await verifyCounters(db);

  const perHit = (w: { blocks: number; planning: number; execution: number }, n: number) =>
    `${fmt.format(w.blocks / n)} buffers per hit (${fmt.format(w.blocks)} for ${n}), ${fmt.format(w.planning)} ms planning, ${fmt.format(w.execution)} ms execution`;
  report("tracking (npm run bench -- tracking)", [
    ["open pixel, 64 concurrent keep-alive clients, 10 s", `${fmt.format(result.ok / result.seconds)} requests/s (p50 ${fmt.format(result.p50)} ms, p99 ${fmt.format(result.p99)} ms), ${result.failed} failed`, "≥ 2,000 requests/s"],
    ["every hit recorded", `${fmt.format(recorded)} events for ${fmt.format(result.ok)} answered requests`, "equal"],
    ["click redirect with machine judging, 64 concurrent keep-alive clients, 10 s", `${fmt.format(clickResult.ok / clickResult.seconds)} requests/s (p50 ${fmt.format(clickResult.p50)} ms, p99 ${fmt.format(clickResult.p99)} ms), ${clickResult.failed} failed`, "≥ 2,000 requests/s"],
    ["every click recorded", `${fmt.format(clicksRecorded)} events for ${fmt.format(clickResult.ok)} answered requests (${fmt.format(judgedMachine)} judged machine once folded: the load clicks both links of an email about a second apart)`, "equal"],
    ["recording statement, EXPLAIN (ANALYZE, BUFFERS): batch of 64 clicks", perHit(clickWork, clickBatch.length), "–"],
    ["recording statement, EXPLAIN (ANALYZE, BUFFERS): batch of 64 opens", perHit(openWork, openBatch.length), "–"],
    ["fold's burst judgement, EXPLAIN (ANALYZE, BUFFERS): the clicks of one fold batch", queuedClicks.length ? perHit(burstWork, queuedClicks.length).replace("per hit", "per click") : "no clicks queued", "–"],
    ["fold of those events into counters", `${fmt.format(folded)} events in ${fmt.format(foldSeconds)} s (${fmt.format(folded / foldSeconds)} events/s)`, "–"],
    ["fold of a fixed mix: 30,000 opens and 16,000 clicks (all in bursts) recorded through the hit writer", `${fmt.format(mixFolded)} events in ${fmt.format(mixSeconds)} s (${fmt.format(mixFolded / mixSeconds)} events/s)`, "–"],
    ["verify-counters after the folds", verified.drift.length ? `${verified.drift.length} counters differ from the log` : `no drift (${verified.checked.runs} run and ${verified.checked.campaigns} campaign checked against the log)`, "no drift"],
  ]);
  server.closeAllConnections();
  server.close();
  await close();
}
