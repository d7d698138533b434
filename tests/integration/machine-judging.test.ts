import { readFileSync } from "node:fs";
import path from "node:path";
import { sql } from "drizzle-orm";
import { beforeAll, describe, expect, it } from "vitest";
import { getCampaign } from "../../server/campaigns/campaigns";
import { transitionCampaign } from "../../server/campaigns/lifecycle";
import { verifyCounters } from "../../server/counters/verify";
import { outboxTransport } from "../../server/sending/outbox-transport";
import { sendRun } from "../../server/sending/send-run";
import { foldEvents } from "../../server/tracking/fold";
import { createHitWriter, type Hit } from "../../server/tracking/hits";
import { requestReasons } from "../../server/tracking/machine";
import { useTestDatabase } from "../helpers/db";
import { campaignFactory } from "../helpers/engine";

/**
 * Recorded hit patterns (tests/fixtures/hit-patterns.json: people, Apple's
 * proxy, Safe Links, Proofpoint, Mimecast, burst scanners, HEAD probers)
 * replayed through the judging the tracking endpoints use: the request's own
 * reasons (machine.ts), the recording statement's "early" (hits.ts) and the
 * fold's bursts (fold.ts, read through email_events_judged), each hit at its
 * recorded time after the send. Reports precision and recall of the machine flag.
 */
interface FixtureHit { type: "opened" | "clicked"; at: number; link?: number | "decoy"; agent: string; ip: string; method?: string; machine: boolean }
interface Pattern { name: string; kind: string; person: { opened: boolean; clicked: boolean }; hits: FixtureHit[] }
const fixture = JSON.parse(readFileSync(path.resolve(import.meta.dirname, "../fixtures/hit-patterns.json"), "utf8")) as { agents: Record<string, string>; patterns: Pattern[] };
const LINKS = ["https://example.com/pricing", "https://example.com/blog/launch", "https://example.com/demo"];
const DECOY = "http://localhost:3000/";

const t = useTestDatabase();
let campaignId: number;
let runId: number;
let emails: Array<{ id: number; recipient_id: number }>;
/** The moment every fixture email was sent: two hours ago, so each recorded hit lands in the past. */
const sentAt = new Date(Date.now() - 2 * 3_600_000);

beforeAll(async () => {
  const html = `<p>Hi {{first_name}}</p>${LINKS.map((l) => `<p><a href="${l}">${l}</a></p>`).join("")}`;
  const c = await campaignFactory(t.services, { recipients: fixture.patterns.length });
  await t.services.db.execute(sql`update templates set html = ${html} where id = ${c.templates[0]!.id}`);
  const run = await transitionCampaign(t.services.db, c.id, "start", { source: "app" });
  await sendRun(t.services, outboxTransport, c.id, run.runId!, { workerId: "w" });
  await t.services.db.execute(sql`update scheduled_emails set sent_at = ${sentAt.toISOString()}::timestamptz where run_id = ${run.runId}`);
  emails = await t.services.db.execute<{ id: number; recipient_id: number }>(sql`select id, recipient_id from scheduled_emails where run_id = ${run.runId} order by id`);
  campaignId = c.id;
  runId = run.runId!;

  // Replay in recorded order; hits of one pattern within 50 ms of each other arrive together (one group commit).
  const writer = createHitWriter(t.services.db);
  for (const [p, pattern] of fixture.patterns.entries()) {
    const hits = [...pattern.hits].sort((a, b) => a.at - b.at);
    for (let i = 0; i < hits.length;) {
      const group = hits.filter((h) => h.at >= hits[i]!.at && h.at - hits[i]!.at < 50);
      await Promise.all(group.map((h) => writer.record(toHit(h, emails[p]!.id))));
      i += group.length;
    }
  }
  // The fold judges bursts once the window has passed: only then is the judgement complete.
  await foldEvents(t.services.db, 5000, { now: new Date(Date.now() + 60_000) });
});

function toHit(h: FixtureHit, scheduledEmailId: number): Hit {
  const userAgent = fixture.agents[h.agent] ?? h.agent;
  const decoy = h.link === "decoy";
  const link = decoy ? DECOY : typeof h.link === "number" ? LINKS[h.link] : undefined;
  return {
    campaignId, scheduledEmailId, type: h.type, occurredAt: new Date(sentAt.getTime() + h.at), userAgent, ip: h.ip,
    data: h.type === "clicked" ? { link, ...(decoy ? { decoy: true } : {}) } : {},
    reasons: requestReasons(h.type, { method: h.method ?? "GET", userAgent, ip: h.ip, decoy }),
  };
}

describe("machine opens and clicks on recorded hit patterns", () => {
  it("flags machines with at least 95 % precision and 95 % recall, and says why on each event", async () => {
    const events = await t.services.db.execute<{ scheduled_email_id: number; type: string; occurred_at: string; link: string | null; machine: boolean; reasons: string[] | null }>(sql`
      select scheduled_email_id, type::text, occurred_at::text, data->>'link' as link, machine, data->'machineReasons' as reasons from email_events_judged
      where campaign_id = ${campaignId} and type in ('opened', 'clicked')`);
    const link = (h: FixtureHit) => (h.link === "decoy" ? DECOY : h.link === undefined ? null : LINKS[h.link]!);
    const judged = (p: number, h: FixtureHit) => events.filter((e) => Number(e.scheduled_email_id) === emails[p]!.id && e.type === h.type && e.link === link(h) && Date.parse(e.occurred_at) === sentAt.getTime() + h.at);
    let tp = 0, fp = 0, fn = 0, tn = 0;
    const byKind = new Map<string, { hits: number; right: number }>();
    const wrong: string[] = [];
    for (const [p, pattern] of fixture.patterns.entries()) {
      for (const h of pattern.hits) {
        const found = judged(p, h);
        expect(found.length, `${pattern.name}: a ${h.type} at +${h.at} ms was recorded`).toBe(1);
        for (const e of found) {
          if (e.machine) expect(e.reasons?.length, `${pattern.name}: a machine ${h.type} says why`).toBeGreaterThan(0);
          if (e.machine && h.machine) tp++;
          else if (e.machine) fp++;
          else if (h.machine) fn++;
          else tn++;
          const k = byKind.get(pattern.kind) ?? { hits: 0, right: 0 };
          k.hits++;
          if (e.machine === h.machine) k.right++;
          else wrong.push(`${pattern.name}: ${h.type} at +${h.at} ms judged ${e.machine ? `machine (${e.reasons?.join(", ")})` : "human"}`);
          byKind.set(pattern.kind, k);
        }
      }
    }
    const precision = tp / (tp + fp);
    const recall = tp / (tp + fn);
    console.log([
      `machine flag on ${tp + fp + fn + tn} recorded hits: precision ${(precision * 100).toFixed(1)} %, recall ${(recall * 100).toFixed(1)} % (${tp} machine hits caught, ${fp} people flagged, ${fn} machines missed, ${tn} people kept)`,
      ...[...byKind].map(([kind, k]) => `  ${kind.padEnd(14)} ${k.right}/${k.hits} judged right`),
      ...wrong.map((w) => `  wrong: ${w}`),
    ].join("\n"));
    expect(precision).toBeGreaterThanOrEqual(0.95);
    expect(recall).toBeGreaterThanOrEqual(0.95);
  });

  it("counts the people who opened and clicked as a person, beside the raw figures, and the counters match the log", async () => {
    expect(await foldEvents(t.services.db, 5000, { now: new Date(Date.now() + 60_000) })).toBe(0); // everything was counted
    const recipients = await t.services.db.execute<{ id: number; human_opened_at: string | null; human_clicked_at: string | null }>(sql`
      select id, human_opened_at, human_clicked_at from run_recipients where campaign_id = ${campaignId} and run_id = ${runId}`);
    const byId = new Map(recipients.map((r) => [Number(r.id), r]));
    for (const [p, pattern] of fixture.patterns.entries()) {
      const r = byId.get(Number(emails[p]!.recipient_id))!;
      expect({ opened: r.human_opened_at !== null, clicked: r.human_clicked_at !== null }, pattern.name).toEqual(pattern.person);
    }
    const people = fixture.patterns.filter((p) => p.person.opened).length;
    const clickers = fixture.patterns.filter((p) => p.person.clicked).length;
    const anyClick = fixture.patterns.filter((p) => p.hits.some((h) => h.type === "clicked")).length;
    const campaign = await getCampaign(t.services.db, campaignId);
    expect(campaign).toMatchObject({ humanOpened: people, humanClicked: clickers, clicked: anyClick });
    expect(campaign.clicked).toBeGreaterThan(campaign.humanClicked);
    expect((await verifyCounters(t.services.db)).drift).toEqual([]);
  });
});
