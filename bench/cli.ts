import { spawnSync } from "node:child_process";
import path from "node:path";
import { compiledEntry } from "../bin/compiled.js";
import { createCampaign } from "../server/campaigns/campaigns";
import { transitionCampaign } from "../server/campaigns/lifecycle";
import { outboxTransport } from "../server/sending/outbox-transport";
import { sendRun } from "../server/sending/send-run";
import { createTemplate } from "../server/templates/templates";
import { sql } from "drizzle-orm";
import { benchDatabase, fmt, load, percentile, report } from "./harness";

const root = path.resolve(import.meta.dirname, "..");

/**
 * How long a `herald` command takes as a whole process, from a cold start
 * (a new Node process each time, as a person typing it gets): `herald --help`
 * and `herald stats` against an already-migrated database holding a sent run,
 * compiled (what `herald` runs after `npm install`) and from the TypeScript
 * sources through tsx (HERALD_DEV=1), in turn so both see the same load.
 */
export async function cliBench() {
  const { services, url, close } = await benchDatabase("cli");
  const db = services.db;
  const [list] = await db.execute<{ id: number }>(sql`insert into lists (name) values ('cli') returning id`);
  await db.execute(sql`with l as (insert into leads (email) select 'cli-' || g || '@example.com' from generate_series(1, 5000) g returning id)
                       insert into list_members (list_id, lead_id) select ${list!.id}, id from l`);
  const template = await createTemplate(db, { name: "cli", subject: "Hi", html: "<p>Hello</p>", text: "Hello" });
  const campaign = await createCampaign(db, { name: "CLI bench", kind: "broadcast", fromEmail: "b@herald.test", listIds: [list!.id], throttlePerMinute: 1_000_000, steps: [{ templateId: template.id, delayMinutes: 0, stopOnReply: true }] });
  const started = await transitionCampaign(db, campaign.id, "start", { source: "cli" });
  await sendRun(services, outboxTransport, campaign.id, started.runId!, { workerId: "cli-bench", limit: 5000 });

  if (!compiledEntry(root, {}).entry) spawnSync(process.execPath, ["scripts/build-cli.js"], { cwd: root, stdio: "inherit" });
  const env = { ...process.env, DATABASE_URL: url, LOG_LEVEL: "warn", HERALD_SECRET: "bench-secret-bench-secret-bench-secret" };
  const once = (args: string[], dev: boolean) => {
    const t0 = performance.now();
    const r = spawnSync(process.execPath, ["bin/herald.js", ...args], { cwd: root, env: { ...env, HERALD_DEV: dev ? "1" : "" }, encoding: "utf8" });
    if (r.status !== 0) throw new Error(`herald ${args.join(" ")} exited ${r.status}: ${r.stderr}`);
    return performance.now() - t0;
  };
  const runs = Number(process.env.BENCH_CLI_RUNS ?? 15);
  const measure = (args: string[]) => {
    once(args, false);
    once(args, true); // warm-up: tsx's cache, the OS's file cache
    const compiled: number[] = [];
    const sources: number[] = [];
    for (let i = 0; i < runs; i++) {
      compiled.push(once(args, false));
      sources.push(once(args, true));
    }
    const fmtRun = (t: number[]) => `median ${fmt.format(percentile(t, 50))} ms (min ${fmt.format(Math.min(...t))}, max ${fmt.format(Math.max(...t))})`;
    return { compiled: fmtRun(compiled), sources: fmtRun(sources), median: percentile(compiled, 50) };
  };
  const loadBefore = load();
  const help = measure(["--help"]);
  const stats = measure(["stats"]);
  report(`cli (npm run bench -- cli), ${runs} cold processes each, ${loadBefore} before, ${load()} after`, [
    ["`herald --help`, compiled", help.compiled, "–"],
    ["`herald --help`, TypeScript sources (HERALD_DEV=1)", help.sources, "–"],
    ["`herald stats` (last 30 days, a sent run of 5,000), compiled", stats.compiled, `< 1 s: ${stats.median < 1000 ? "met" : "missed"}`],
    ["`herald stats`, TypeScript sources (HERALD_DEV=1)", stats.sources, "–"],
  ]);
  await close();
}
