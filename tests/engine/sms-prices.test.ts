import { sql } from "drizzle-orm";
import { describe, expect, it } from "vitest";
import { transitionCampaign } from "../../server/campaigns/lifecycle";
import { verifyCounters } from "../../server/counters/verify";
import { smsCost } from "../../server/sms/cost";
import { fetchSmsPrices } from "../../server/sms/prices";
import { statsSeries } from "../../server/stats/series";
import { statsSeriesCsv } from "../../server/stats/series-csv";
import { chargeMicros, formatCost } from "../../shared/money";
import { countSegments } from "../../shared/sms-segments";
import { herald } from "../helpers/cli";
import { userFactory } from "../helpers/factories";
import { signIn } from "../helpers/http";
import { useTestDatabase } from "../helpers/db";
import { TWILIO_ENV, useSms } from "../helpers/sms";

/**
 * What texts cost: Twilio puts the price on the message some time after it
 * settles (null before), never in the status callback. The job asks for it
 * with the real twilio SDK (messages(sid).fetch()) against the fake, under
 * the account's rate, again later while it is null, gives up after
 * TWILIO_PRICE_WAIT_HOURS, and sums it exactly per run, day and currency.
 */
const t = useTestDatabase({ ...TWILIO_ENV, TWILIO_PRICE_WAIT_HOURS: "48" });
const sms = useSms(t, { numbers: 500 });
const db = () => t.services.db;
const today = () => new Date().toISOString().slice(0, 10);

const ledger = (runId: number) => db().execute<{ status: string; price: string | null; price_unit: string | null; price_micros: number | null; price_checks: number; gave_up: boolean }>(sql`
  select status, price, price_unit, price_micros::float8 as price_micros, price_checks, price_gave_up_at is not null as gave_up from sms_messages where run_id = ${runId} order by scheduled_email_id`);
/** Time passes for the texts' next price check (the job's pauses are minutes long). */
const nextCheckDue = () => db().execute(sql`update sms_messages set price_next_at = now() - interval '1 second' where price_micros is null and price_gave_up_at is null`);

/** Four texts of two segments each: three delivered, one failed (Twilio charges nothing for it). */
async function pricedRun() {
  const phones = [sms.phone(), sms.phone(), sms.phone(), sms.phone()];
  const { listId } = await sms.audience(phones);
  sms.fake.state.outcomes.set(phones[3]!, { status: "failed", errorCode: 30008 });
  sms.fake.state.priceDelayMs = 3_600_000; // Twilio has no price yet
  const campaign = await sms.campaign(listId, ["sms"], { smsBody: "Hi {{first_name|there}}, {{company|a quick text from Herald about the pricing of texts, which Twilio reports some time after each message is delivered to the phone}}." });
  const { runId } = await transitionCampaign(db(), campaign.id, "start", { source: "app" });
  await sms.runToEnd(campaign.id, runId!);
  return { campaign, runId: runId! };
}

describe("what texts cost", () => {
  it("the price is null at first and asked again later; once Twilio has it, each text's charge is stored and summed exactly per run, day and currency", async () => {
    const { campaign, runId } = await pricedRun();
    const segments = sms.fake.state.messages.filter((m) => m.statusCallback?.includes(`c=${campaign.id}&`)).map((m) => countSegments(m.body).segments);
    expect(segments).toEqual([2, 2, 2, 2]);
    // Final statuses make the prices due at once; Twilio answers null: nothing is summed, each text waits.
    const fetchesBefore = sms.fake.state.fetches;
    expect(await fetchSmsPrices(t.services)).toEqual({ checked: 4, priced: 0, waiting: 4, gaveUp: 0 });
    expect(sms.fake.state.fetches - fetchesBefore).toBe(4);
    expect((await ledger(runId)).map((m) => [m.price, m.price_checks])).toEqual([[null, 1], [null, 1], [null, 1], [null, 1]]);
    expect(await smsCost(db(), { campaignId: campaign.id })).toEqual([]);
    // A round a moment later asks Twilio nothing: the texts wait their pause (a minute after the first check).
    expect(await fetchSmsPrices(t.services)).toEqual({ checked: 0, priced: 0, waiting: 0, gaveUp: 0 });
    expect(sms.fake.state.fetches - fetchesBefore).toBe(4);

    // Twilio has the prices now: "-0.01580" for two segments at 0.00790, "0.00000" for the failed text.
    sms.fake.state.priceDelayMs = 0;
    await nextCheckDue();
    // Two rounds at once (two workers): each text is priced and summed once.
    const rounds = await Promise.all([fetchSmsPrices(t.services), fetchSmsPrices(t.services)]);
    expect(rounds.reduce((n, r) => n + r.priced, 0)).toBe(4);
    expect((await ledger(runId)).map((m) => [m.status, m.price, m.price_unit, m.price_micros])).toEqual([
      ["delivered", "-0.01580", "USD", 15_800], ["delivered", "-0.01580", "USD", 15_800], ["delivered", "-0.01580", "USD", 15_800], ["failed", "0.00000", "USD", 0],
    ]);
    const expected = [{ currency: "USD", texts: 4, costMicros: 47_400 }];
    expect(await smsCost(db(), { campaignId: campaign.id, runId })).toEqual(expected);
    expect(await smsCost(db(), { campaignId: campaign.id })).toEqual(expected);
    expect(formatCost(expected)).toBe("$0.0474");
    const [day] = await db().execute(sql`select day::text, currency, texts, cost_micros::float8 as cost from sms_costs where run_id = ${runId}`);
    expect(day).toEqual({ day: today(), currency: "USD", texts: 4, cost: 47_400 });
    // Analytics and its CSV: the day's cost, exactly.
    const series = await statsSeries(db(), { campaignId: campaign.id, from: today(), to: today() });
    expect(series.smsCost).toEqual(expected);
    const csv = (await statsSeriesCsv(db(), { campaignId: campaign.id, from: today(), to: today() })).trim().split("\n");
    expect(csv[1]!.endsWith(",0.0474,USD")).toBe(true);
    // Priced texts leave the queue: nobody asks Twilio about them again.
    await nextCheckDue();
    const fetchesAfter = sms.fake.state.fetches;
    expect(await fetchSmsPrices(t.services)).toEqual({ checked: 0, priced: 0, waiting: 0, gaveUp: 0 });
    expect(sms.fake.state.fetches).toBe(fetchesAfter);
    expect((await verifyCounters(db())).costDrift).toEqual([]);

    // The campaign page, the run page and Analytics show it (a viewer's pages, rendered by the web server).
    const viewer = await userFactory(t.services, { role: "viewer" });
    const cookie = await signIn(sms.server.base, viewer.email, viewer.password);
    const page = async (path: string) => {
      const res = await fetch(`${sms.server.base}${path}`, { headers: { cookie } });
      expect(res.status).toBe(200);
      return (await res.text()).replace(/<!-- -->/g, "");
    };
    const campaignPage = await page(`/campaigns/${campaign.id}`);
    expect(campaignPage).toMatch(/<div class="label">Cost<\/div><div class="value">\$0\.0474<\/div><div class="muted small">4 of 4 texts priced by Twilio so far<\/div>/);
    expect(campaignPage).toMatch(/<div class="label">SMS delivery rate \(people\)<\/div><div class="value">75%<\/div>/);
    expect(await page(`/campaigns/${campaign.id}/runs/1`)).toMatch(/<div class="label">Cost<\/div><div class="value">\$0\.0474<\/div>/);
    const analytics = await page(`/analytics?campaign=${campaign.id}&from=${today()}&to=${today()}`);
    expect(analytics).toContain("Text messages (SMS)");
    expect(analytics).toMatch(/<div class="label">SMS cost<\/div><div class="value">\$0\.0474<\/div>/);

    // herald stats shows the cost beside the texts.
    const out = await herald(["stats", "--campaign", campaign.name], { DATABASE_URL: t.url, HERALD_SECRET: t.services.config.HERALD_SECRET! });
    expect(out.stdout).toMatch(/total\s+4\s+4\s+3\s+1\s+0\s+0\s+75\.0%\s+0\.0%\s+0\.0%\s+75\.0%\s+\$0\.0474\n/);
  });

  it("a text Twilio never prices is given up after TWILIO_PRICE_WAIT_HOURS, and one Twilio no longer has at once; neither is asked about again", async () => {
    const { runId } = await pricedRun();
    await fetchSmsPrices(t.services);
    // Two days and an hour later, Twilio still says null for the first text; the second is gone from Twilio (deleted).
    const [first, second] = await db().execute<{ scheduled_email_id: number; sid: string }>(sql`select scheduled_email_id, sid from sms_messages where run_id = ${runId} order by scheduled_email_id limit 2`);
    await db().execute(sql`update sms_messages set handed_at = handed_at - interval '49 hours' where scheduled_email_id = ${first!.scheduled_email_id}`);
    sms.fake.state.messages = sms.fake.state.messages.filter((m) => m.sid !== second!.sid);
    await nextCheckDue();
    expect(await fetchSmsPrices(t.services)).toEqual({ checked: 4, priced: 0, waiting: 2, gaveUp: 2 });
    expect((await ledger(runId)).map((m) => m.gave_up)).toEqual([true, true, false, false]);
    await nextCheckDue();
    expect(await fetchSmsPrices(t.services)).toMatchObject({ checked: 2, gaveUp: 0 });
  });

  it("prices never take the account's rate from sending: when its next slots are taken, the round stops and asks nothing", async () => {
    const { campaign } = await pricedRun();
    // Sending holds the account's slots for the next minute.
    await db().execute(sql`
      insert into rate_limits (key, requests_per_second, next_slot_at) values ('twilio:account', 1000, clock_timestamp() + interval '60 seconds')
      on conflict (key) do update set next_slot_at = clock_timestamp() + interval '60 seconds'`);
    const before = sms.fake.state.fetches;
    const round = await fetchSmsPrices(t.services);
    expect(round).toMatchObject({ checked: 0, stopped: "sending holds the account's rate; the rest waits for the next round" });
    expect(sms.fake.state.fetches).toBe(before);
    // Nothing was lost: the texts are due again, not counted as checked.
    const [due] = await db().execute<{ n: number; checks: number }>(sql`
      select count(*)::int as n, max(price_checks)::int as checks from sms_messages where campaign_id = ${campaign.id} and price_next_at <= now() and price_micros is null`);
    expect(due).toEqual({ n: 4, checks: 0 });
  });

  it("verify-counters finds a day's cost that no longer matches its texts' prices, and --fix sums it again", async () => {
    const { campaign, runId } = await pricedRun();
    sms.fake.state.priceDelayMs = 0;
    await fetchSmsPrices(t.services);
    await db().execute(sql`update sms_costs set cost_micros = cost_micros + 1 where run_id = ${runId}`);
    const found = await verifyCounters(db());
    expect(found.costDrift).toEqual([{
      campaignId: campaign.id, campaignName: campaign.name, runNumber: 1, day: today(), currency: "USD",
      stored: { texts: 4, costMicros: 47_401 }, actual: { texts: 4, costMicros: 47_400 },
    }]);
    const env = { DATABASE_URL: t.url, HERALD_SECRET: t.services.config.HERALD_SECRET! };
    const cli = await herald(["verify-counters"], env);
    expect(cli.code).toBe(1);
    expect(cli.stdout).toContain(`${campaign.name} run 1: SMS cost of ${today()} is 4 texts, $0.047401 (USD); the texts' prices say 4 texts, $0.0474`);
    await herald(["verify-counters", "--fix"], env);
    expect(await smsCost(db(), { campaignId: campaign.id, runId })).toEqual([{ currency: "USD", texts: 4, costMicros: 47_400 }]);
    expect((await verifyCounters(db())).costDrift).toEqual([]);
  });
});

describe("Twilio's price strings", () => {
  it("are charges in millionths: negative means charged, digits past the sixth rounded, anything else refused", () => {
    expect(chargeMicros("-0.00790")).toBe(7_900);
    expect(chargeMicros("-0.0075")).toBe(7_500);
    expect(chargeMicros("-1.5")).toBe(1_500_000);
    expect(chargeMicros("0.00000")).toBe(0);
    expect(chargeMicros("0.0100")).toBe(-10_000); // a credit
    expect(chargeMicros("-0.0000005")).toBe(1);
    expect(chargeMicros("")).toBeNull();
    expect(chargeMicros("free")).toBeNull();
    expect(formatCost([{ currency: "EUR", texts: 2, costMicros: 12_400_000 }, { currency: "USD", texts: 1, costMicros: 7_900 }])).toBe("€12.40 + $0.0079");
  });
});
