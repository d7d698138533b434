import { execFile } from "node:child_process";
import { writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import path from "node:path";
import { pathToFileURL } from "node:url";
import type { ServerBuild } from "@remix-run/node";
import { sql } from "drizzle-orm";
import { createCampaign } from "../server/campaigns/campaigns";
import { transitionCampaign } from "../server/campaigns/lifecycle";
import { createHttpApp } from "../server/http/app";
import { outboxTransport } from "../server/sending/outbox-transport";
import { sendRun } from "../server/sending/send-run";
import { createTemplate } from "../server/templates/templates";
import { foldEvents } from "../server/tracking/fold";
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
  const events = async (type: "opened" | "clicked") => (await db.execute<{ n: number; machine: number }>(sql`
    select count(*)::int as n, count(*) filter (where machine)::int as machine from email_events where campaign_id = ${c.id} and type = ${type}`))[0]!;
  await load(pixels, 8, 2); // warm-up
  const before = await events("opened");
  const result = await load(pixels, 64, 10);
  const recorded = (await events("opened")).n - before.n;
  await load(clicks.slice(0, 200), 8, 2); // warm-up
  const clicksBefore = await events("clicked");
  const clickResult = await load(clicks, 64, 10);
  const clicksAfter = await events("clicked");
  const clicksRecorded = clicksAfter.n - clicksBefore.n;
  const t0 = performance.now();
  let folded = 0;
  for (let n = await foldEvents(db); n > 0; n = await foldEvents(db)) folded += n;
  const foldSeconds = (performance.now() - t0) / 1000;

  report("tracking (npm run bench -- tracking)", [
    ["open pixel, 64 concurrent keep-alive clients, 10 s", `${fmt.format(result.ok / result.seconds)} requests/s (p50 ${fmt.format(result.p50)} ms, p99 ${fmt.format(result.p99)} ms), ${result.failed} failed`, "≥ 2,000 requests/s"],
    ["every hit recorded", `${fmt.format(recorded)} events for ${fmt.format(result.ok)} answered requests`, "equal"],
    ["click redirect with machine judging, 64 concurrent keep-alive clients, 10 s", `${fmt.format(clickResult.ok / clickResult.seconds)} requests/s (p50 ${fmt.format(clickResult.p50)} ms, p99 ${fmt.format(clickResult.p99)} ms), ${clickResult.failed} failed`, "≥ 2,000 requests/s"],
    ["every click recorded", `${fmt.format(clicksRecorded)} events for ${fmt.format(clickResult.ok)} answered requests (${fmt.format(clicksAfter.machine - clicksBefore.machine)} judged machine: the load clicks both links of an email about a second apart)`, "equal"],
    ["fold of those events into counters", `${fmt.format(folded)} events in ${fmt.format(foldSeconds)} s (${fmt.format(folded / foldSeconds)} events/s)`, "–"],
  ]);
  server.closeAllConnections();
  server.close();
  await close();
}
