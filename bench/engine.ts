import { sql } from "drizzle-orm";
import { createCampaign } from "../server/campaigns/campaigns";
import { transitionCampaign } from "../server/campaigns/lifecycle";
import { outboxTransport } from "../server/sending/outbox-transport";
import { resendTransport } from "../server/sending/resend-transport";
import { sendRun } from "../server/sending/send-run";
import { createTemplate } from "../server/templates/templates";
import type { Services } from "../server/services";
import { startResendFake } from "../tests/fakes/resend";
import { benchDatabase, fmt, report } from "./harness";

async function audience(services: Services, leads: number, listName: string) {
  const [list] = await services.db.execute<{ id: number }>(sql`insert into lists (name) values (${listName}) returning id`);
  await services.db.execute(sql`
    with l as (
      insert into leads (email, first_name, company, time_zone)
      select ${listName} || '-' || g || '@example.com', 'Lead' || g, 'Co' || (g % 97), case when g % 3 = 0 then 'Europe/Berlin' end
      from generate_series(1, ${leads}) g
      returning id)
    insert into list_members (list_id, lead_id) select ${list!.id}, id from l`);
  return list!.id;
}

async function campaign(services: Services, listId: number, steps: number[], name: string) {
  const templates: Array<{ id: number }> = [];
  for (let i = 0; i < steps.length; i++) templates.push(await createTemplate(services.db, { name: `${name}-t${i}`, subject: "Hi {{first_name|there}}", html: "<p>Hello {{first_name|there}} at {{company|your company}}</p>", text: "Hello {{first_name}}" }));
  return createCampaign(services.db, {
    name, kind: steps.length > 1 ? "sequence" : "broadcast", fromEmail: "bench@herald.test", listIds: [listId], throttlePerMinute: 1_000_000,
    steps: steps.map((d, i) => ({ templateId: templates[i]!.id, delayMinutes: d, stopOnReply: true })),
  });
}

export async function engineBench() {
  const rows: Array<[string, string, string]> = [];

  // 1. Start a run of 100,000 recipients × 3 steps.
  {
    const { services, close } = await benchDatabase("engine_start");
    const listId = await audience(services, 100_000, "start");
    const c = await campaign(services, listId, [0, 3 * 1440, 7 * 1440], "start-bench");
    const t0 = performance.now();
    const run = await transitionCampaign(services.db, c.id, "start", { source: "cli" });
    const seconds = (performance.now() - t0) / 1000;
    rows.push(["start a run: 100,000 recipients × 3 steps", `${fmt.format(seconds)} s for ${fmt.format(run.scheduled!)} scheduled emails`, "≤ 10 s"]);
    await close();
  }

  // 2. Outbox transport throughput, two lanes, events and counters included.
  {
    const { services, close } = await benchDatabase("engine_outbox");
    const listId = await audience(services, 30_000, "outbox");
    const c = await campaign(services, listId, [0], "outbox-bench");
    const { runId } = await transitionCampaign(services.db, c.id, "start", { source: "cli" });
    const t0 = performance.now();
    const lanes = await Promise.all(["a", "b"].map((w) => sendRun(services, outboxTransport, c.id, runId!, { workerId: w })));
    const seconds = (performance.now() - t0) / 1000;
    const sent = lanes.reduce((n, l) => n + l.sent, 0);
    rows.push(["outbox transport, 2 lanes, with events and counters", `${fmt.format(sent / seconds)} emails/s (${fmt.format(sent)} in ${fmt.format(seconds)} s)`, "≥ 3,000 emails/s"]);
    // A second campaign in the same database: statistics now describe the first one.
    const list2 = await audience(services, 30_000, "outbox2");
    const c2 = await campaign(services, list2, [0], "outbox-bench-2");
    const run2 = await transitionCampaign(services.db, c2.id, "start", { source: "cli" });
    const t1 = performance.now();
    const lanes2 = await Promise.all(["a", "b"].map((w) => sendRun(services, outboxTransport, c2.id, run2.runId!, { workerId: w })));
    const seconds2 = (performance.now() - t1) / 1000;
    const sent2 = lanes2.reduce((n, l) => n + l.sent, 0);
    rows.push(["outbox transport, a second campaign in the same database", `${fmt.format(sent2 / seconds2)} emails/s (${fmt.format(sent2)} in ${fmt.format(seconds2)} s)`, "≥ 3,000 emails/s"]);
    await close();
  }

  // 3. Resend fake limited to R requests/s: steady state, from the first accepted batch to the last.
  for (const rps of [2, 5]) {
    const fake = await startResendFake({ rps });
    const { services, close } = await benchDatabase(`engine_resend_${rps}`, { RESEND_RPS: String(rps), RESEND_API_KEY: fake.apiKey });
    const listId = await audience(services, rps * 100 * 12, "resend");
    const c = await campaign(services, listId, [0], "resend-bench");
    const { runId } = await transitionCampaign(services.db, c.id, "start", { source: "cli" });
    const transport = resendTransport(fake.apiKey, fake.url);
    await Promise.all(["a", "b", "c"].map((w) => sendRun(services, transport, c.id, runId!, { workerId: w })));
    const times = fake.state.accepted.map((e) => e.at);
    const span = (Math.max(...times) - Math.min(...times)) / 1000;
    const rate = (fake.state.accepted.length - 100) / span; // the first batch opens the window
    rows.push([`Resend fake at R = ${rps} requests/s, 3 workers, ${fmt.format(fake.state.accepted.length)} emails`, `${fmt.format(rate)} emails/s = ${fmt.format(rate / rps)} % of R × 100; 429s: ${fake.state.rateLimited} of ${fake.state.requests} requests`, "≥ 95 %, 429s < 1 %"]);
    await close();
    await fake.close();
  }

  // 4. Pause latency: from the pause commit to the last provider call.
  {
    const fake = await startResendFake({ rps: 50, latencyMs: 150 });
    const { services, close } = await benchDatabase("engine_pause", { RESEND_RPS: "50" });
    const listId = await audience(services, 20_000, "pause");
    const c = await campaign(services, listId, [0], "pause-bench");
    const { runId } = await transitionCampaign(services.db, c.id, "start", { source: "cli" });
    const transport = resendTransport(fake.apiKey, fake.url);
    const samples: Array<{ requestToCommit: number; commitToLast: number }> = [];
    for (let i = 0; i < 5; i++) {
      const lanes = Promise.all(["a", "b"].map((w) => sendRun(services, transport, c.id, runId!, { workerId: w })));
      await new Promise((r) => setTimeout(r, 400 + i * 97));
      const requested = Date.now();
      await transitionCampaign(services.db, c.id, "pause", { source: "app" });
      const committed = Date.now();
      await lanes;
      const last = Math.max(...fake.state.accepted.map((e) => e.at));
      samples.push({ requestToCommit: committed - requested, commitToLast: last - committed });
      await transitionCampaign(services.db, c.id, "resume", { source: "app" });
    }
    const worst = Math.max(...samples.map((s) => s.commitToLast));
    rows.push(["pause: last provider call after the pause commit (worst of 5)", `${worst <= 0 ? "none" : `${worst} ms`} (last call ${-worst} ms before the commit)`, "≤ 2 s"]);
    rows.push(["pause: request to commit, waiting for in-flight batches (worst of 5)", `${Math.max(...samples.map((s) => s.requestToCommit))} ms with 150 ms provider latency`, "–"]);
    await close();
    await fake.close();
  }
  report("engine (npm run bench -- engine)", rows);
}
