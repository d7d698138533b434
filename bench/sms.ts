import { sql } from "drizzle-orm";
import { createCampaign } from "../server/campaigns/campaigns";
import { SEND_LANES, transitionCampaign } from "../server/campaigns/lifecycle";
import { outboxTransport } from "../server/sending/outbox-transport";
import { sendRun } from "../server/sending/send-run";
import { channelTransport } from "../server/sms/channel-transport";
import { twilioTransport } from "../server/sms/twilio-transport";
import { startTwilioFake } from "../tests/fakes/twilio";
import { benchDatabase, fmt, load, report } from "./harness";

const ACCOUNT = `AC${"0123456789abcdef".repeat(2)}`;
const TOKEN = "bench_twilio_auth_token_0123456789";
const NUMBERS = ["+15005550001", "+15005550002", "+15005550003", "+15005550004"];
const MPS = Number(process.env.BENCH_SMS_MPS ?? 25);
const TEXTS = Number(process.env.BENCH_SMS_TEXTS ?? 3000);

/**
 * SMS throughput against the Twilio fake's limit: TEXTS leads with a phone,
 * one SMS step, SEND_LANES lanes sending through the real twilio SDK, four
 * sender numbers at MPS messages a second each (the fake enforces it and
 * answers 429 / 20429 beyond). Herald paces every number in PostgreSQL; the
 * target is ≥ 95 % of the fake's limit with 0 duplicates.
 */
export async function smsBench() {
  const fake = await startTwilioFake({ accountSid: ACCOUNT, authToken: TOKEN, numbers: NUMBERS, mps: MPS });
  fake.state.callbacks = "manual"; // throughput of sending; the callbacks' own cost is the webhooks'
  const { services, close } = await benchDatabase("sms", {
    TWILIO_ACCOUNT_SID: ACCOUNT, TWILIO_AUTH_TOKEN: TOKEN, TWILIO_FROM_NUMBERS: NUMBERS.join(","), TWILIO_NUMBER_MPS: String(MPS), TWILIO_ACCOUNT_MPS: "10000", RESEND_RPS: "1000",
  });
  try {
    const [list] = await services.db.execute<{ id: number }>(sql`insert into lists (name) values ('sms-bench') returning id`);
    await services.db.execute(sql`
      with l as (
        insert into leads (email, first_name, phone) select 'sms-' || g || '@example.com', 'Lead' || g, '+1415' || lpad(g::text, 7, '0') from generate_series(1, ${TEXTS}) g returning id)
      insert into list_members (list_id, lead_id) select ${list!.id}, id from l`);
    const campaign = await createCampaign(services.db, {
      name: "sms-bench", kind: "broadcast", fromEmail: "bench@herald.test", listIds: [list!.id], throttlePerMinute: 1_000_000,
      steps: [{ channel: "sms", smsBody: "Hi {{first_name|there}}, a quick text from Herald.", delayMinutes: 0 }],
    });
    const transport = channelTransport(outboxTransport, twilioTransport(services.db, { accountSid: ACCOUNT, authToken: TOKEN, baseUrl: fake.url, numberMps: MPS, accountMps: 10_000 }));
    const before = load();
    const { runId } = await transitionCampaign(services.db, campaign.id, "start", { source: "cli" });
    const t0 = performance.now();
    let finishedAt = 0;
    const done = async () => (await services.db.execute<{ status: string }>(sql`select status from campaign_runs where id = ${runId}`))[0]?.status === "COMPLETED";
    const lane = async (i: number) => {
      for (let k = 0; k < 1000 && !finishedAt; k++) {
        const r = await sendRun(services, transport, campaign.id, runId!, { workerId: `bench-${i}-${k}` });
        if (r.outcome === "completed" || (r.outcome === "stopped" && (await done()))) {
          finishedAt ||= performance.now();
          return;
        }
        // A lane with nothing to claim waits for the other one's batch (as a queued job would), checking every 100 ms.
        const until = r.nextAt ? r.nextAt.getTime() : Date.now() + 100;
        while (!finishedAt && Date.now() < until) await new Promise((res) => setTimeout(res, Math.min(100, Math.max(0, until - Date.now()))));
      }
    };
    await Promise.all(Array.from({ length: SEND_LANES }, (_, i) => lane(i)));
    const seconds = ((finishedAt || performance.now()) - t0) / 1000;
    const accepted = fake.state.messages.length;
    const [recorded] = await services.db.execute<{ sms_sent: number }>(sql`select sms_sent from campaign_runs where id = ${runId}`);
    const limit = NUMBERS.length * MPS;
    const rate = accepted / seconds;
    report(`SMS sending through the twilio SDK to the fake (${NUMBERS.length} numbers × ${MPS} msg/s = ${limit} msg/s; ${SEND_LANES} lanes; load before ${before}, after ${load()})`, [
      ["texts accepted by the fake", fmt.format(accepted), fmt.format(TEXTS)],
      ["recorded sms_sent", fmt.format(recorded!.sms_sent), fmt.format(TEXTS)],
      ["duplicates (same number and body twice)", fmt.format(fake.duplicates()), "0"],
      ["429 answers (20429)", fmt.format(fake.state.rateLimited), "few"],
      ["texts per sender number", NUMBERS.map((n) => fmt.format(fake.state.messages.filter((m) => m.from === n).length)).join(" / "), "even"],
      ["seconds", fmt.format(seconds), "–"],
      ["throughput", `${fmt.format(rate)} msg/s = ${fmt.format((rate / limit) * 100)} % of the fake's limit`, "≥ 95 %"],
    ]);
  } finally {
    await close();
    await fake.close();
  }
}
