import { sql } from "drizzle-orm";
import postgres from "postgres";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { createDb } from "../../db/client";
import { createCampaign } from "../../server/campaigns/campaigns";
import { transitionCampaign } from "../../server/campaigns/lifecycle";
import { createLogger } from "../../server/lib/log";
import { claimRows } from "../../server/sending/batch";
import { lockedEmailSenders, senderCapacity } from "../../server/sending/compose";
import { outboxTransport } from "../../server/sending/outbox-transport";
import { recordingStatements, type Outcome } from "../../server/sending/record";
import { sendRun } from "../../server/sending/send-run";
import type { Services } from "../../server/services";
import { createTestDatabase, testConfig } from "../helpers/db";
import { templateFactory } from "../helpers/engine";

/**
 * The claim must cost the same for a batch of a run of 200,000 emails as for
 * a run of 200: the due index yields emails in claim order and the LIMIT stops
 * after one batch, whether statistics are stale, fresh, or the plan is generic.
 * The claim's SQL is taken from the real send path as it runs, so this test
 * holds whatever shape the claim statement takes.
 */
const RECIPIENTS = 100_000;
const STEPS = 2;
const queries: Array<{ query: string; params: unknown[] }> = [];
let services: Services;
let raw: postgres.Sql;
let teardown = async () => {};
let claims: Array<{ query: string; params: unknown[] }>;
let small: { campaignId: number; runId: number };
let big: { campaignId: number; runId: number };

type PlanNode = {
  "Node Type": string; "Rows Removed by Index Recheck"?: number; "Parent Relationship"?: string; "Relation Name"?: string; "Index Name"?: string; "Actual Rows"?: number; "Actual Loops"?: number; "Rows Removed by Filter"?: number; Plans?: PlanNode[];
};
/** Rows a scan node produced or threw away, over all its loops. */
const rowsRead = (node: PlanNode) => (node["Actual Rows"]! + (node["Rows Removed by Filter"] ?? 0) + (node["Rows Removed by Index Recheck"] ?? 0)) * (node["Actual Loops"] ?? 1);
/** Visits every node with its ancestors up to the statement it belongs to (a CTE or sub-plan starts afresh). */
const walk = (node: PlanNode, visit: (n: PlanNode, ancestors: PlanNode[]) => void, ancestors: PlanNode[] = []) => {
  visit(node, ancestors);
  for (const child of node.Plans ?? []) walk(child, visit, /^(InitPlan|SubPlan)$/.test(child["Parent Relationship"] ?? "") ? [] : [...ancestors, node]);
};

/** EXPLAIN (ANALYZE) of the claim in a transaction that is rolled back: the plan and what each node really read. */
async function explainClaim(setup: string[] = [], statements = claims): Promise<Array<{ plan: PlanNode; text: string }>> {
  const results: Array<{ plan: PlanNode; text: string }> = [];
  for (const claim of statements) {
    await raw.begin(async (tx) => {
      for (const s of setup) await tx.unsafe(s);
      const [row] = await tx.unsafe(`explain (analyze, format json) ${claim.query}`, claim.params as never[]);
      const plan = (row!["QUERY PLAN"] as Array<{ Plan: PlanNode }>)[0]!.Plan;
      const [text] = await tx.unsafe(`explain ${claim.query}`, claim.params as never[]).values();
      results.push({ plan, text: JSON.stringify(text) });
      throw new Rollback();
    }).catch((e) => { if (!(e instanceof Rollback)) throw e; });
  }
  return results;
}
class Rollback extends Error {}

/**
 * Claims a real batch of the big run and EXPLAIN ANALYZEs the statements that
 * record it as sent (the outcomes, then the next step's timing), in a
 * transaction that is rolled back. Returns each statement's plan and how many
 * rows it changed.
 */
async function explainRecording(run: { campaignId: number; runId: number }, leased: boolean, setup: string[] = []) {
  const results: Array<{ plan: PlanNode; changed: number }> = [];
  await services.db.transaction(async (tx) => {
    for (const s of setup) await tx.execute(sql.raw(s));
    const campaign = { id: run.campaignId, runId: run.runId, fromName: "", fromEmail: "team@herald.test", replyTo: null };
    const rows = await claimRows(tx, campaign, 100, "plan-test", leased);
    if (rows === "stopped") throw new Error("the run stopped");
    expect(rows).toHaveLength(100);
    const outcomes: Outcome[] = rows.map((row) => ({ row, kind: "sent", providerMessageId: `m-${row.id}`, senderId: null }));
    const { record, nextSteps } = recordingStatements(run.campaignId, run.runId, "plan-test", outcomes, { hasLaterSteps: true, leased });
    expect(nextSteps, "the first step's emails retime their second step").not.toBeNull();
    for (const [statement, changed] of [
      [record, sql`select count(*)::int as n from scheduled_emails where campaign_id = ${run.campaignId} and status = 'sent' and sent_at = now()`],
      [nextSteps!, sql`select count(*)::int as n from scheduled_emails where campaign_id = ${run.campaignId} and step_number = 2 and updated_at = now()`],
    ] as const) {
      const [row] = await tx.execute<{ "QUERY PLAN": Array<{ Plan: PlanNode }> }>(sql`explain (analyze, format json) ${statement}`);
      const [count] = await tx.execute<{ n: number }>(changed);
      results.push({ plan: row!["QUERY PLAN"][0]!.Plan, changed: count!.n });
    }
    throw new Rollback();
  }).catch((e) => { if (!(e instanceof Rollback)) throw e; });
  return results;
}

/** Recording 100 emails touches about 100 rows of the run's tables: each is found by its key, never by reading the run. */
function expectKeyedRecording(results: Array<{ plan: PlanNode; changed: number }>) {
  expect(results.map((r) => r.changed), "recorded as sent, then their next step retimed").toEqual([100, 100]);
  for (const { plan } of results) {
    walk(plan, (node) => {
      if (!["scheduled_emails", "run_recipients"].includes(node["Relation Name"] ?? "") || node["Node Type"] === "ModifyTable") return;
      expect(node["Node Type"], `a ${node["Node Type"]} on ${node["Relation Name"]} reads the whole run`).not.toMatch(/Seq Scan/);
      const read = rowsRead(node);
      expect(read, `${node["Node Type"]} on ${node["Relation Name"]} (${node["Index Name"] ?? "no index"}) read ${read} rows to record 100`).toBeLessThanOrEqual(1_000);
    });
  }
}

function expectIndexDrivenClaim(plan: PlanNode) {
  const scans: PlanNode[] = [];
  walk(plan, (node, ancestors) => {
    if (node["Relation Name"] !== "scheduled_emails" || node["Node Type"] === "ModifyTable") return;
    scans.push(node);
    // No sequential scan of the table, no bitmap scan beyond exact keys, and no sort fed by it: each would read every pending email.
    expect(node["Node Type"], `a ${node["Node Type"]} on scheduled_emails reads the whole run`).toMatch(/^(Index( Only)? Scan|Bitmap Heap Scan)$/);
    expect(rowsRead(node), `${node["Node Type"]} on scheduled_emails (${node["Index Name"] ?? "no index"}) read ${rowsRead(node)} rows for one batch`).toBeLessThanOrEqual(1_000);
    expect(ancestors.filter((a) => a["Node Type"] === "Sort"), "a sort above a scan of scheduled_emails").toEqual([]);
  });
  const due = scans.find((s) => s["Index Name"] === "scheduled_emails_due_idx");
  expect(due, "the claim reads the due index").toBeDefined();
  // The LIMIT stopped the scan after about one batch (plus the later steps it stepped over, still waiting on their previous one).
  expect((due!["Actual Rows"]! + (due!["Rows Removed by Filter"] ?? 0)) * (due!["Actual Loops"] ?? 1)).toBeLessThanOrEqual(1_000);
}

beforeAll(async () => {
  const database = await createTestDatabase();
  const config = testConfig({ DATABASE_URL: database.url });
  const { db, close } = createDb(database.url, { max: 4, onQuery: (query, params) => queries.push({ query, params }) });
  services = { config, db, log: createLogger("silent"), secret: config.HERALD_SECRET! };
  raw = postgres(database.url, { max: 1, onnotice: () => {}, connection: { jit: "off" } });
  teardown = async () => {
    await raw.end({ timeout: 5 });
    await close();
    await database.drop();
  };

  // Tables never analyzed since they were created (a new install's first big run): autovacuum may not get there first.
  await raw`alter table scheduled_emails set (autovacuum_enabled = off)`;
  await raw`alter table run_recipients set (autovacuum_enabled = off)`;
  small = await startCampaign(20, "small");

  big = await startCampaign(RECIPIENTS, "big");
  const [pending] = await raw<Array<{ n: number }>>`select count(*)::int as n from scheduled_emails where run_id = ${big.runId} and status = 'pending'`;
  expect(pending!.n).toBe(RECIPIENTS * STEPS);
  // One real batch through the send path, recording its statements.
  queries.length = 0;
  // A batch claimed with leases (as for Resend: the outbox made to take that path), then one in the outbox's single transaction.
  const leasing = await sendRun(services, { ...outboxTransport, transactional: false }, big.campaignId, big.runId, { workerId: "plan-test", limit: 100 });
  const lane = await sendRun(services, outboxTransport, big.campaignId, big.runId, { workerId: "plan-test", limit: 100 });
  expect(leasing.sent + lane.sent).toBe(200);
  claims = queries.filter((q) => /skip locked/i.test(q.query) && /scheduled_emails/.test(q.query));
  expect(claims.filter((q) => /status = 'sending'/.test(q.query)), "the leasing claim").toHaveLength(1);
  expect(claims, "the leasing claim and the outbox's claim").toHaveLength(2);
}, 300_000);
afterAll(() => teardown());

/** A campaign of `recipients` leads, two steps both due now (so the previous-step check runs), started through the real start path. */
async function startCampaign(recipients: number, name: string) {
  const [list] = await services.db.execute<{ id: number }>(sql`insert into lists (name) values (${name}) returning id`);
  await services.db.execute(sql`
    with l as (
      insert into leads (email, first_name) select ${name} || '-' || g || '@example.com', 'Lead' || g from generate_series(1, ${recipients}) g returning id)
    insert into list_members (list_id, lead_id) select ${list!.id}, id from l`);
  const templates = await Promise.all(Array.from({ length: STEPS }, () => templateFactory(services)));
  const campaign = await createCampaign(services.db, {
    name, kind: "sequence", fromEmail: "team@herald.test", listIds: [list!.id], throttlePerMinute: 1_000_000,
    steps: templates.map((t) => ({ templateId: t.id, delayMinutes: 0, stopOnReply: true })),
  });
  const run = await transitionCampaign(services.db, campaign.id, "start", { source: "app" });
  return { campaignId: campaign.id, runId: run.runId! };
}

describe("the claim with 200,000 pending emails (100,000 recipients × 2 steps) in one run", () => {
  it("reads the due index in claim order and stops at the batch while the tables have never been analyzed", async () => {
    for (const { plan } of await explainClaim()) expectIndexDrivenClaim(plan);
  });

  it("reads what a sender identity has left from its emails in flight alone, never the run: never analyzed, fresh statistics, or a generic plan", async () => {
    const [inserted] = await raw<Array<{ id: string }>>`insert into sender_identities (from_email, from_name, daily_cap) values ('plan@herald.test', 'Plan', 1000) returning id`;
    const sender = { id: Number(inserted!.id) };
    // A batch of the big run in flight from this identity (rolled back with the EXPLAIN).
    const inFlight = `update scheduled_emails set status = 'sending', sender_id = ${sender.id}, locked_until = now()
      where campaign_id = ${big.campaignId} and id in (select id from scheduled_emails where campaign_id = ${big.campaignId} and status = 'pending' order by id limit 100)`;
    for (const setup of [[inFlight], [inFlight, "analyze scheduled_emails"], [inFlight, "set local plan_cache_mode = force_generic_plan"]]) {
      await services.db.transaction(async (tx) => {
        for (const s of setup) await tx.execute(sql.raw(s));
        expect(await lockedEmailSenders(tx, [sender.id]), setup.join("; ")).toMatchObject([{ id: sender.id, remaining: 900 }]);
        const [row] = await tx.execute<{ "QUERY PLAN": Array<{ Plan: PlanNode }> }>(sql`explain (analyze, format json) ${senderCapacity([sender.id], "email")}`);
        const scans: string[] = [];
        walk(row!["QUERY PLAN"][0]!.Plan, (node) => {
          if (node["Relation Name"] !== "scheduled_emails") return;
          scans.push(`${node["Node Type"]} ${node["Index Name"]} ${rowsRead(node)}`);
          expect(node["Node Type"], `${setup.join("; ")}: a ${node["Node Type"]} on scheduled_emails`).not.toMatch(/Seq Scan/);
          expect(rowsRead(node), `${setup.join("; ")}: ${node["Node Type"]} (${node["Index Name"]}) read ${rowsRead(node)} rows`).toBeLessThanOrEqual(1_000);
        });
        expect(scans, "the in-flight count reads scheduled_emails").not.toEqual([]);
        throw new Rollback();
      }).catch((e) => { if (!(e instanceof Rollback)) throw e; });
    }
  });

  it("records a batch by its keys while the tables have never been analyzed, leased (Resend) or in the outbox's one transaction", async () => {
    expectKeyedRecording(await explainRecording(big, true));
    expectKeyedRecording(await explainRecording(big, false));
  });

  it("does the same with fresh statistics", async () => {
    await raw`analyze scheduled_emails`;
    await raw`analyze run_recipients`;
    for (const { plan } of await explainClaim()) expectIndexDrivenClaim(plan);
    expectKeyedRecording(await explainRecording(big, false));
  });

  it("claims and records by keys for a campaign newer than the statistics (they say it has no rows)", async () => {
    const newer = await startCampaign(RECIPIENTS, "newer");
    queries.length = 0;
    for (const leased of [true, false]) expectKeyedRecording(await explainRecording(newer, leased));
    const claim = queries.find((q) => /skip locked/i.test(q.query))!;
    for (const { plan } of await explainClaim([], [claim])) expectIndexDrivenClaim(plan);
  });

  it("does the same as a generic prepared plan (the driver prepares statements; PostgreSQL may switch to a generic plan)", async () => {
    for (const { plan } of await explainClaim(["set local plan_cache_mode = force_generic_plan"])) expectIndexDrivenClaim(plan);
    expectKeyedRecording(await explainRecording(big, false, ["set local plan_cache_mode = force_generic_plan"]));
    expectKeyedRecording(await explainRecording(big, true, ["set local plan_cache_mode = force_generic_plan"]));
  });

  it("does the same on a server tuned with a large work_mem, where hashing the whole table for the previous-step check would fit in memory", async () => {
    for (const { plan } of await explainClaim(["set local work_mem = '1GB'"])) expectIndexDrivenClaim(plan);
  });

  it("costs too little for JIT compilation even with the server's JIT on", async () => {
    for (const { text } of await explainClaim(["set local jit = on"])) expect(text).not.toMatch(/JIT/);
  });
});

describe("a lane's claim deep into a run (decision 050)", () => {
  /** Pages the claim's due-index scan read (its heap rows and the previous-step checks of its filter included), and the rows it read. */
  async function dueIndexScan(claim: { query: string; params: unknown[] }) {
    let scan: { pages: number; rows: number } | undefined;
    await raw.begin(async (tx) => {
      const [row] = await tx.unsafe(`explain (analyze, buffers, format json) ${claim.query}`, claim.params as never[]);
      walk((row!["QUERY PLAN"] as Array<{ Plan: PlanNode }>)[0]!.Plan, (node) => {
        const n = node as PlanNode & { "Shared Hit Blocks": number; "Shared Read Blocks": number };
        if (n["Index Name"] === "scheduled_emails_due_idx") scan = { pages: n["Shared Hit Blocks"] + n["Shared Read Blocks"], rows: rowsRead(n) };
      });
      throw new Rollback();
    }).catch((e) => { if (!(e instanceof Rollback)) throw e; });
    expect(scan, "the claim reads the due index").toBeDefined();
    return scan!;
  }

  it("starts after the lane's last batch, not at the dead index entries of the emails already sent", async () => {
    queries.length = 0;
    const lane = await sendRun(services, outboxTransport, big.campaignId, big.runId, { workerId: "deep", limit: 30_000 });
    expect(lane.sent).toBe(30_000);
    const laneClaims = queries.filter((q) => /skip locked/i.test(q.query) && /scheduled_emails/.test(q.query));
    // The lane's last claim, from its cursor; the first claim of a lane (and a rewind) starts at the front.
    const fromCursor = await dueIndexScan(laneClaims.at(-1)!);
    const fromFront = await dueIndexScan(laneClaims[0]!);
    const seen = `from the cursor: ${JSON.stringify(fromCursor)}; from the front: ${JSON.stringify(fromFront)}`;
    // Each row read costs its heap page and, for a second step, the index lookup of its first one: a few pages a row.
    expect(fromCursor.rows, seen).toBeLessThanOrEqual(250);
    expect(fromCursor.pages, seen).toBeLessThanOrEqual(3 * fromCursor.rows);
    // Every sent email left an entry in the due index (no vacuum has run, as mid-run): from the front a claim walks the
    // pages of all 30,000 (marked dead by the lane's trailing walks, so without visiting their rows, but still their pages).
    expect(fromFront.pages - fromCursor.pages, seen).toBeGreaterThan(100);
  }, 120_000);
});

describe("a run's recipients in lead order", () => {
  it("are numbered in the order of their leads, so sending them in order touches neighbouring pages of the lead indexes", async () => {
    // The audience comes out of a hash join in no particular order; random order made each batch of 100 update 100 random index pages.
    const [r] = await raw<Array<{ out_of_order: number }>>`
      select count(*)::int as out_of_order from (
        select lead_id < lag(lead_id) over (order by id) as back from run_recipients where campaign_id = ${big.campaignId}) x where back`;
    expect(r!.out_of_order).toBe(0);
  });
});

describe("a run's rows without row-level foreign keys (decision 013)", () => {
  const rows = async () => {
    const [r] = await raw<Array<{ recipients: number; emails: number }>>`
      select (select count(*)::int from run_recipients where campaign_id = ${small.campaignId}) as recipients,
             (select count(*)::int from scheduled_emails where campaign_id = ${small.campaignId}) as emails`;
    return r!;
  };

  it("a deleted lead takes its recipient rows and their emails with it; a deleted campaign takes everything of its runs", async () => {
    expect(await rows()).toEqual({ recipients: 20, emails: 40 });
    await raw`delete from leads where email = 'small-1@example.com'`;
    expect(await rows()).toEqual({ recipients: 19, emails: 38 });
    await raw`delete from campaigns where id = ${small.campaignId}`;
    expect(await rows()).toEqual({ recipients: 0, emails: 0 });
    const [runs] = await raw<Array<{ n: number }>>`select count(*)::int as n from campaign_runs where campaign_id = ${small.campaignId}`;
    expect(runs!.n).toBe(0);
  });
});
