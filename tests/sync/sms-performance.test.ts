import { sql } from "drizzle-orm";
import { afterEach, describe, expect, it } from "vitest";
import { transitionCampaign } from "../../server/campaigns/lifecycle";
import { fetchSmsPrices } from "../../server/sms/prices";
import type { Services } from "../../server/services";
import { startAirtableServer, type AirtableServer } from "../../sync/sandbox/airtable-server";
import { configuredBases, enableSync, schemaOf, syncOnce } from "../../sync/run";
import { performanceBase } from "../../sync/schema";
import { checkSchema, initSchema } from "../../sync/schema-check";
import { airtableFixture, CONTROL, PERFORMANCE } from "../helpers/airtable";
import { herald } from "../helpers/cli";
import { useTestDatabase } from "../helpers/db";
import { FROM, TWILIO_ENV, useSms } from "../helpers/sms";

/**
 * The SMS figures in Airtable: the Performance base's KPIs per campaign and
 * day and per day (people texted, texts, the rates over people texted, what
 * Twilio charged), the Control base following status callbacks and STOPs
 * that move only SMS counters, and a base set up before SMS getting its new
 * fields from `herald airtable init` (the strict sandbox refuses unknown fields, as Airtable does).
 */
const t = useTestDatabase(TWILIO_ENV);
const sms = useSms(t, { numbers: 700 });
let airtable: AirtableServer | null = null;
afterEach(async () => {
  await airtable?.close();
  airtable = null;
});
const today = () => new Date().toISOString().slice(0, 10);
const SMS_FIELDS = ["People Texted", "Texts Sent", "Texts Delivered", "Texts Failed", "SMS Replies", "SMS Opt Outs", "SMS Delivery Rate", "SMS Reply Rate", "SMS Opt Out Rate", "SMS Cost", "SMS Cost Currency"];

/** Four numbers texted once: three delivered, one undelivered. Callbacks wait until the test lets them go. */
async function textRun() {
  const phones = [sms.phone(), sms.phone(), sms.phone(), sms.phone()];
  const { listId } = await sms.audience(phones);
  sms.fake.state.outcomes.set(phones[3]!, { status: "undelivered", errorCode: 30003 });
  sms.fake.state.callbacks = "manual";
  const campaign = await sms.campaign(listId, ["sms"]);
  const { runId } = await transitionCampaign(t.services.db, campaign.id, "start", { source: "app" });
  await sms.runToEnd(campaign.id, runId!, { flush: false });
  return { campaign, phones };
}

describe("SMS in the Airtable bases", () => {
  it("the Performance base gets each day's SMS KPIs and, once Twilio prices the texts, their cost; the Control base follows callbacks and a STOP", async () => {
    const fx = await airtableFixture(t.services);
    airtable = fx.server;
    const { campaign, phones } = await textRun();
    await syncOnce(fx.services);
    const kpi = () => airtable!.records(PERFORMANCE, "Campaign KPIs").find((r) => r.fields.Key === `${campaign.id}:${today()}`)!.fields;
    const control = () => airtable!.records(CONTROL, "Campaigns").find((r) => r.fields["Herald ID"] === campaign.id)!.fields;
    // Sent, nothing reported yet: no delivery rate (not 0 %), no cost.
    expect(kpi()).toMatchObject({ "People Texted": 4, "Texts Sent": 4, "Texts Delivered": 0, "SMS Reply Rate": 0, "SMS Opt Out Rate": 0 });
    expect(kpi()["SMS Delivery Rate"]).toBeUndefined();
    expect(kpi()["SMS Cost"]).toBeUndefined();
    expect(control()).toMatchObject({ "Total Sent": 4, "People Texted": 4 });

    // Twilio's callbacks, a reply and a STOP: they move only SMS counters, and both bases follow.
    await sms.fake.flushCallbacks();
    expect((await sms.fake.inbound({ from: phones[0]!, to: FROM, body: "Tell me more" })).status).toBe(200);
    expect((await sms.fake.inbound({ from: phones[1]!, to: FROM, body: "stop" })).status).toBe(200);
    await syncOnce(fx.services);
    expect(kpi()).toMatchObject({
      "People Texted": 4, "Texts Sent": 4, "Texts Delivered": 3, "Texts Failed": 1, "SMS Replies": 1, "SMS Opt Outs": 1,
      "SMS Delivery Rate": 0.75, "SMS Reply Rate": 0.25, "SMS Opt Out Rate": 0.25,
    });
    expect(control()).toMatchObject({ "Total Sent": 4, "Total Delivered": 3, "Total Failed": 1, "Total Replies": 1, "Total Opt Outs": 1, "People Texted": 4, "Delivery Rate": 0.75, "Opt Out Rate": 0.25 });
    const global = () => airtable!.records(PERFORMANCE, "Global KPIs").find((r) => r.fields.Date === today())!.fields;
    expect(global()).toMatchObject({ "People Texted": 4, "Texts Sent": 4, "Texts Delivered": 3, "SMS Delivery Rate": 0.75 });

    // Twilio prices the texts: 4 × 0.00790 USD. The day's records are pushed again with the exact sum.
    sms.fake.state.priceDelayMs = 0;
    expect(await fetchSmsPrices(t.services)).toMatchObject({ priced: 4 });
    await syncOnce(fx.services);
    expect(kpi()).toMatchObject({ "SMS Cost": 0.0316, "SMS Cost Currency": "USD" });
    expect(global()).toMatchObject({ "SMS Cost": 0.0316, "SMS Cost Currency": "USD" });
    expect(airtable.stats.violations).toBe(0);

    // Every SMS rate field says what it divides.
    const meta = await fx.bases.performance!.meta<{ tables: Array<{ name: string; fields: Array<{ name: string; description?: string }> }> }>("GET", "");
    const fields = meta.tables.find((x) => x.name === "Campaign KPIs")!.fields;
    expect(fields.find((f) => f.name === "SMS Delivery Rate")!.description).toBe("People with a delivered text / people texted (each person once per run)");
    expect(fields.find((f) => f.name === "SMS Opt Out Rate")!.description).toBe("People who texted STOP / people texted");
  });

  it("a Performance base set up before SMS: the check names the new fields, Airtable refuses the records, `herald airtable init` adds the fields and the days go again", async () => {
    airtable = await startAirtableServer();
    const services: Services = {
      ...t.services,
      config: { ...t.services.config, AIRTABLE_TOKEN: airtable.token, AIRTABLE_ENDPOINT_URL: airtable.url, AIRTABLE_CONTROL_BASE_ID: "appControlOld", AIRTABLE_PERFORMANCE_BASE_ID: "appPerfOld", airtable: "on" },
    };
    const bases = configuredBases(services);
    await initSchema(bases.control!, schemaOf("control"));
    await initSchema(bases.performance!, performanceBase.map((table) => ({ ...table, fields: table.fields.filter((f) => !SMS_FIELDS.includes(f.name)) })));
    await enableSync(services);
    const problems = await checkSchema(bases.performance!, schemaOf("performance"));
    expect(problems.map((p) => p.problem)).toContain('field "People Texted" (number) is missing from "Campaign KPIs"');
    expect(problems.map((p) => p.problem)).toContain('field "SMS Cost" (number) is missing from "Global KPIs"');

    const { campaign } = await textRun();
    await sms.fake.flushCallbacks();
    await syncOnce(services);
    // Refused by Airtable (unknown field), set aside, not lost.
    expect(airtable.records("appPerfOld", "Campaign KPIs").find((r) => r.fields.Key === `${campaign.id}:${today()}`)).toBeUndefined();
    const [waiting] = await t.services.db.execute<{ last_error: string }>(sql`select last_error from sync_outbox where base = 'performance' and record_key = ${`kpi:${campaign.id}:${today()}`}`);
    expect(waiting!.last_error).toMatch(/Unknown field name: "People Texted"/);

    const env = { DATABASE_URL: t.url, HERALD_SECRET: t.services.config.HERALD_SECRET!, AIRTABLE_TOKEN: airtable.token, AIRTABLE_ENDPOINT_URL: airtable.url, AIRTABLE_CONTROL_BASE_ID: "appControlOld", AIRTABLE_PERFORMANCE_BASE_ID: "appPerfOld" };
    const init = await herald(["airtable", "init"], env);
    expect(init.code).toBe(0);
    expect(init.stdout).toContain('performance base: created field "People Texted" in "Campaign KPIs"');
    expect(await checkSchema(bases.performance!, schemaOf("performance"))).toEqual([]);
    await syncOnce(services);
    expect(airtable.records("appPerfOld", "Campaign KPIs").find((r) => r.fields.Key === `${campaign.id}:${today()}`)!.fields).toMatchObject({ "People Texted": 4, "Texts Delivered": 3, "SMS Delivery Rate": 0.75 });
  });
});
