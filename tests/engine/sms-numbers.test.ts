import { sql } from "drizzle-orm";
import { describe, expect, it } from "vitest";
import { transitionCampaign } from "../../server/campaigns/lifecycle";
import { preflight } from "../../server/campaigns/preflight";
import { listCampaigns } from "../../server/campaigns/list";
import { verifyCounters } from "../../server/counters/verify";
import { getRun } from "../../server/runs/queries";
import { statsSeries } from "../../server/stats/series";
import { statsSeriesCsv } from "../../server/stats/series-csv";
import { smsCountsOf, smsRatesOf } from "../../shared/sms-rates";
import { twilioSignature } from "../fakes/twilio";
import { herald } from "../helpers/cli";
import { useTestDatabase } from "../helpers/db";
import { FROM, TWILIO_ENV, useSms } from "../helpers/sms";

/**
 * Issue 18's numbers: people texted and the SMS rates over them, exact per
 * run, per campaign and per day, after a run with deliveries, an
 * undelivered number, a number Twilio refuses, a reply and a STOP; the
 * event log recounts them; Analytics shows the day's texts as the log has them.
 */
const t = useTestDatabase(TWILIO_ENV);
const sms = useSms(t);
const db = () => t.services.db;
const today = () => new Date().toISOString().slice(0, 10);

const counters = async (table: "campaign_runs" | "campaigns", id: number) => {
  const [row] = await db().execute<Record<string, number>>(sql`
    select sent, sms_sent, sms_delivered, sms_failed, sms_replied, sms_opted_out, people_texted, people_text_delivered, people_sent
    from ${sql.raw(table)} where id = ${id}`);
  return row!;
};

/** Two texts to each of six numbers and an email to everyone: four numbers deliver, one is undelivered, one Twilio refuses (it texted STOP to Twilio before). */
async function mixedRun() {
  const phones = [sms.phone(), sms.phone(), sms.phone(), sms.phone(), sms.phone(), sms.phone(), null];
  const { listId } = await sms.audience(phones);
  sms.fake.state.outcomes.set(phones[4]!, { status: "undelivered", errorCode: 30005 });
  sms.fake.state.optedOut.add(`${FROM}|${phones[5]}`);
  const campaign = await sms.campaign(listId, ["sms", "email", "sms"]);
  const { runId } = await transitionCampaign(db(), campaign.id, "start", { source: "app" });
  await sms.runToEnd(campaign.id, runId!);
  // After the run: a reply from the first number and a STOP from the second.
  expect((await sms.fake.inbound({ from: phones[0]!, to: FROM, body: "Yes please, call me" })).status).toBe(200);
  expect((await sms.fake.inbound({ from: phones[1]!, to: FROM, body: "STOP" })).status).toBe(200);
  return { campaign, runId: runId!, phones };
}

describe("words for what is counted", () => {
  it("a run with emails and texts says which are which: its result, the preflight before a start, the run's start", async () => {
    const { campaign } = await mixedRun();
    const [row] = await db().execute<{ last_run_result: string }>(sql`select last_run_result from campaigns where id = ${campaign.id}`);
    expect(row!.last_run_result).toBe("Run 1 completed: 7 emails sent, 0 failed, 0 opened; 10 texts sent, 4 failed");
    const { listId } = await sms.audience([sms.phone(), null]);
    const next = await sms.campaign(listId, ["email", "sms"]);
    expect((await preflight(db(), next.id)).sentences[0]).toBe("2 people (everyone in the audience) will get up to 2 messages each (emails and texts): up to 4 messages in all.");
    await transitionCampaign(db(), next.id, "start", { source: "app" });
    const [started] = await db().execute<{ last_run_result: string }>(sql`select last_run_result from campaigns where id = ${next.id}`);
    expect(started!.last_run_result).toBe("Run 1 started: 2 recipients, 4 messages");
  });
});

describe("SMS rates per person", () => {
  it("after a run with deliveries, failures, a reply and a STOP: people texted and the rates over them are exact on the run, the campaign and the day", async () => {
    const { campaign, runId } = await mixedRun();
    // 5 people got 2 texts each (10); Twilio refused both texts to the sixth (2 failed at send) and one number's 2 were undelivered.
    // Every callback and inbound text was recorded (a 5xx would mean Twilio's report was lost).
    expect(sms.fake.state.callbackResults.filter((c) => c.status !== 200)).toEqual([]);
    const expected = { sent: 7, sms_sent: 10, sms_delivered: 8, sms_failed: 4, sms_replied: 1, sms_opted_out: 1, people_texted: 5, people_text_delivered: 4, people_sent: 7 };
    expect(await counters("campaign_runs", runId)).toEqual(expected);
    expect(await counters("campaigns", campaign.id)).toEqual(expected);
    const [day] = await db().execute<Record<string, number>>(sql`
      select sms_sent, sms_delivered, sms_failed, sms_replied, sms_opted_out, people_texted, people_text_delivered
      from campaign_daily_stats where run_id = ${runId} and day = ${today()}::date`);
    expect(day).toEqual({ sms_sent: 10, sms_delivered: 8, sms_failed: 4, sms_replied: 1, sms_opted_out: 1, people_texted: 5, people_text_delivered: 4 });

    // The rates say their base: people texted (5), and the per-text delivery rate beside it.
    const run = await getRun(db(), campaign.id, 1);
    expect(smsRatesOf(run)).toEqual({
      base: { count: 5, of: "people texted" }, delivery: 4 / 5, reply: 1 / 5, optOut: 1 / 5,
      perText: { base: { count: 10, of: "texts sent" }, delivery: 8 / 10 },
    });
    const listed = (await listCampaigns(db(), { search: campaign.name })).campaigns[0]!;
    expect(listed.smsRates).toMatchObject({ delivery: 0.8, reply: 0.2, optOut: 0.2 });

    // The rollup of every campaign carries the texts of the day too: the same as every campaign's day.
    const [global] = await db().execute<Record<string, number>>(sql`
      select sum(sms_sent)::int as sms_sent, sum(sms_delivered)::int as sms_delivered, sum(people_texted)::int as people_texted, sum(people_text_delivered)::int as people_text_delivered
      from global_daily_stats where day = ${today()}::date`);
    const [days] = await db().execute<Record<string, number>>(sql`
      select sum(sms_sent)::int as sms_sent, sum(sms_delivered)::int as sms_delivered, sum(people_texted)::int as people_texted, sum(people_text_delivered)::int as people_text_delivered
      from campaign_daily_stats where day = ${today()}::date`);
    expect(global).toEqual(days);
    expect(global!.sms_sent).toBeGreaterThanOrEqual(10);

    const verified = await verifyCounters(db());
    expect(verified.drift).toEqual([]);
    expect(verified.checked.runs).toBeGreaterThan(0);
  });

  it("a Twilio callback repeated, or a second delivered text to the same person, counts the person once", async () => {
    const { campaign, runId } = await mixedRun();
    const delivered = sms.fake.state.callbackResults.filter((c) => c.params.MessageStatus === "delivered" && c.url.includes(`c=${campaign.id}&`));
    expect(delivered).toHaveLength(8);
    // Twilio retries a callback: same message, same status. Herald answers 200 and counts nothing again.
    const again = delivered[0]!;
    const res = await fetch(again.url, { method: "POST", headers: { "content-type": "application/x-www-form-urlencoded", "x-twilio-signature": twilioSignature(TWILIO_ENV.TWILIO_AUTH_TOKEN, again.url, again.params) }, body: new URLSearchParams(again.params) });
    expect(res.status).toBe(200);
    expect(await counters("campaign_runs", runId)).toMatchObject({ sms_delivered: 8, people_text_delivered: 4, people_texted: 5 });
  });

  it("verify-counters recounts people texted and delivered from the event log, names a drift and --fix corrects it", async () => {
    const { campaign, runId } = await mixedRun();
    // The run's counters go wrong (the campaign's stay right, so they no longer add up to its runs).
    await db().execute(sql`update campaign_runs set people_texted = people_texted + 2, people_text_delivered = 0 where id = ${runId}`);
    const found = await verifyCounters(db());
    expect(found.drift.filter((d) => d.campaignId === campaign.id).map(({ scope, counter, stored, actual, truth }) => ({ scope, counter, stored, actual, truth }))).toEqual([
      { scope: "run", counter: "people_texted", stored: 7, actual: 5, truth: "log" },
      { scope: "run", counter: "people_text_delivered", stored: 0, actual: 4, truth: "log" },
      { scope: "campaign", counter: "people_texted", stored: 5, actual: 7, truth: "runs" },
      { scope: "campaign", counter: "people_text_delivered", stored: 4, actual: 0, truth: "runs" },
    ]);

    // The command says it, with exit code 1, and --fix puts the log's figures back.
    const env = { DATABASE_URL: t.url, HERALD_SECRET: t.services.config.HERALD_SECRET! };
    const cli = await herald(["verify-counters"], env);
    expect(cli.code).toBe(1);
    expect(cli.stdout).toContain(`${campaign.name} run 1: people_texted is 7, the log says 5`);
    expect(cli.stdout).toContain(`${campaign.name} run 1: people_text_delivered is 0, the log says 4`);
    const fixed = await herald(["verify-counters", "--fix"], env);
    expect(fixed.stdout).toContain("Fixed what could be recomputed");
    expect(await counters("campaign_runs", runId)).toMatchObject({ people_texted: 5, people_text_delivered: 4 });
    expect(await counters("campaigns", campaign.id)).toMatchObject({ people_texted: 5, people_text_delivered: 4 });
    expect((await verifyCounters(db())).drift).toEqual([]);
  });

  it("Analytics: the day's SMS series equals the day's events in the log, per campaign and for everything, and the CSV carries it", async () => {
    const { campaign } = await mixedRun();
    const [log] = await db().execute<Record<string, number>>(sql`
      select count(*) filter (where type = 'sms_sent')::int as sms_sent, count(*) filter (where type = 'sms_delivered')::int as sms_delivered,
             count(*) filter (where type in ('sms_failed', 'sms_undelivered'))::int as sms_failed,
             count(distinct recipient_id) filter (where type = 'sms_replied')::int as sms_replied, count(distinct recipient_id) filter (where type = 'sms_opted_out')::int as sms_opted_out,
             count(distinct recipient_id) filter (where type = 'sms_sent')::int as people_texted, count(distinct recipient_id) filter (where type = 'sms_delivered')::int as people_text_delivered
      from email_events where campaign_id = ${campaign.id} and occurred_at >= ${today()}::date`);
    expect(log).toEqual({ sms_sent: 10, sms_delivered: 8, sms_failed: 4, sms_replied: 1, sms_opted_out: 1, people_texted: 5, people_text_delivered: 4 });
    const one = await statsSeries(db(), { campaignId: campaign.id, from: today(), to: today() });
    expect(smsCountsOf(one.series[0]!)).toEqual({ smsSent: 10, smsDelivered: 8, smsFailed: 4, smsReplied: 1, smsOptedOut: 1, peopleTexted: 5, peopleTextDelivered: 4 });
    expect(one.series[0]!.smsRates).toMatchObject({ delivery: 0.8, reply: 0.2, optOut: 0.2 });

    // Everything at once reads the global rollup: the same as the sum of every campaign's events of the day.
    const [all] = await db().execute<{ sms_sent: number; people_texted: number }>(sql`
      select count(*) filter (where type = 'sms_sent')::int as sms_sent, (select count(*)::int from (select distinct campaign_id, recipient_id from email_events where type = 'sms_sent' and occurred_at >= ${today()}::date) p) as people_texted
      from email_events where occurred_at >= ${today()}::date`);
    const everything = await statsSeries(db(), { from: today(), to: today() });
    expect({ sms_sent: everything.totals.sms_sent, people_texted: everything.totals.people_texted }).toEqual(all);

    const csv = (await statsSeriesCsv(db(), { campaignId: campaign.id, from: today(), to: today() })).trim().split("\n");
    const header = csv[0]!.split(",");
    const row = Object.fromEntries(csv[1]!.split(",").map((v, i) => [header[i], v]));
    expect(row).toMatchObject({ people_texted: "5", texts_sent: "10", texts_delivered: "8", texts_failed: "4", sms_replies: "1", sms_opt_outs: "1", sms_delivery_rate_people: "0.8000", sms_opt_out_rate_people: "0.2000", sms_delivery_rate_per_text: "0.8000", sms_cost: "" });
  });
});
