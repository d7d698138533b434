import { sql } from "drizzle-orm";
import twilio from "twilio";
import { chargeMicros } from "../../shared/money";
import { block, tryReserve } from "../sending/rate-limit";
import type { Services } from "../services";
import { baseUrlClient, TWILIO_TIMEOUT_MS } from "./twilio-transport";

/** Texts asked about per batch; each is one GET at Twilio, under the account's rate. */
export const PRICE_BATCH = 50;
/** How long a batch holds its texts: if the job dies mid-batch they are due again after this. */
const HOLD_MINUTES = 5;
/** Requests in flight at once while a batch is fetched. */
const CONCURRENCY = 4;

export interface PriceRound {
  /** Texts Twilio answered for (a 5xx, a timeout or a refused request is not counted: the text is asked again later). */
  checked: number;
  /** Texts that got their price (and their run's cost moved). */
  priced: number;
  /** Texts Twilio had no price for yet: asked again later. */
  waiting: number;
  /** Texts given up on (no price within TWILIO_PRICE_WAIT_HOURS, or gone at Twilio). */
  gaveUp: number;
  /** Why the round ended before the queue was empty, if it did. */
  stopped?: string;
}

type Claimed = { campaign_id: number; scheduled_email_id: number; sid: string; price_checks: number };
type Answer =
  | { row: Claimed; kind: "priced"; price: string; unit: string; micros: number }
  // waiting: no price yet; gone: Twilio has no such message; retry: 5xx or no answer; refused: 429, 401 or 403 (the round ends).
  | { row: Claimed; kind: "waiting" | "gone" | "retry" }
  | { row: Claimed; kind: "refused"; status: number };

/**
 * Asks Twilio for the price of every text that is due (docs/decisions/048):
 * Twilio sets `price` and `price_unit` on the message some time after it
 * settles, never in the status callback. A text is due an hour after it was
 * handed over, at once when a final status arrives, and again after a
 * growing pause (1, 2, 4 … 120 minutes) while Twilio still says null; after
 * TWILIO_PRICE_WAIT_HOURS it is given up. Batches of PRICE_BATCH, each GET
 * holding a slot of the account's rate (the slots the sending uses, so
 * prices never push sending past Twilio's limit; when the next slots are
 * more than two seconds away the round ends and the next minute's goes on).
 * Each batch's prices and their sums (sms_costs) are written in one
 * statement, once per text whatever runs twice.
 */
export async function fetchSmsPrices(services: Services, options: { signal?: AbortSignal; maxBatches?: number; client?: twilio.Twilio } = {}): Promise<PriceRound> {
  const { config, db, log } = services;
  const round: PriceRound = { checked: 0, priced: 0, waiting: 0, gaveUp: 0 };
  if (config.smsTransport !== "twilio") return round;
  const client = options.client ?? twilio(config.TWILIO_ACCOUNT_SID!, config.TWILIO_AUTH_TOKEN!, {
    autoRetry: false, timeout: TWILIO_TIMEOUT_MS,
    ...(config.TWILIO_BASE_URL ? { httpClient: baseUrlClient(config.TWILIO_BASE_URL, TWILIO_TIMEOUT_MS) } : {}),
  });
  for (let batch = 0; batch < (options.maxBatches ?? 20); batch++) {
    if (options.signal?.aborted) return { ...round, stopped: "the worker is stopping" };
    const claimed = await db.execute<Claimed>(sql`
      with due as (
        select campaign_id, scheduled_email_id from sms_messages
        where sid is not null and price_micros is null and price_gave_up_at is null and price_next_at <= now()
        order by price_next_at limit ${PRICE_BATCH} for update skip locked
      )
      update sms_messages m set price_next_at = now() + make_interval(mins => ${HOLD_MINUTES}), price_checks = least(m.price_checks + 1, 32000)
      from due where m.campaign_id = due.campaign_id and m.scheduled_email_id = due.scheduled_email_id
      returning m.campaign_id, m.scheduled_email_id, m.sid, m.price_checks`);
    if (!claimed.length) return round;
    const slot = await tryReserve(db, "twilio:account", config.TWILIO_ACCOUNT_MPS, claimed.length, 2_000);
    if (!slot.held) {
      await release(services, claimed);
      return { ...round, stopped: "sending holds the account's rate; the rest waits for the next round" };
    }
    if (slot.waitMs > 0) await new Promise((r) => setTimeout(r, slot.waitMs));
    const answers = await fetchAll(client, claimed);
    const recorded = await record(services, answers);
    round.checked += answers.filter((a) => a.kind !== "retry" && a.kind !== "refused").length;
    round.priced += recorded.priced;
    round.waiting += recorded.waiting;
    round.gaveUp += recorded.gaveUp;
    const refused = answers.find((a) => a.kind === "refused");
    if (refused) {
      log.warn("Twilio refused a price lookup; the rest waits for the next round", { status: refused.status });
      return { ...round, stopped: `Twilio answered HTTP ${refused.status}` };
    }
  }
  return round;
}

/** Each claimed text's message at Twilio, a few requests at a time. */
async function fetchAll(client: twilio.Twilio, claimed: Claimed[]): Promise<Answer[]> {
  const answers: Answer[] = [];
  let next = 0;
  await Promise.all(Array.from({ length: Math.min(CONCURRENCY, claimed.length) }, async () => {
    while (next < claimed.length) {
      const row = claimed[next++]!;
      answers.push(await fetchOne(client, row));
    }
  }));
  return answers;
}

async function fetchOne(client: twilio.Twilio, row: Claimed): Promise<Answer> {
  try {
    const message = await client.messages(row.sid).fetch();
    if (message.price === null || message.price === undefined || message.price === "") return { row, kind: "waiting" };
    const micros = chargeMicros(String(message.price));
    // A price that is not a number is not summed; asked again, like a missing one, until the wait runs out.
    if (micros === null || !message.priceUnit) return { row, kind: "waiting" };
    return { row, kind: "priced", price: String(message.price), unit: String(message.priceUnit).toUpperCase(), micros };
  } catch (error) {
    const status = (error as { status?: number }).status;
    // 404: Twilio no longer has the message (deleted, or redacted by a retention policy): there is no price to wait for.
    if (status === 404) return { row, kind: "gone" };
    if (status === 429 || status === 401 || status === 403) return { row, kind: "refused", status };
    return { row, kind: "retry" };
  }
}

/**
 * One transaction per batch: the prices onto their texts and, for the texts
 * priced by this statement only, their sum onto the run's day in sms_costs;
 * the others wait (1, 2, 4 … 120 minutes after their n-th check) or are
 * given up once TWILIO_PRICE_WAIT_HOURS have passed since they were handed over.
 */
async function record(services: Services, answers: Answer[]): Promise<{ priced: number; waiting: number; gaveUp: number }> {
  const { db, config } = services;
  const priced = answers.filter((a): a is Extract<Answer, { kind: "priced" }> => a.kind === "priced")
    .map((a) => ({ campaign_id: a.row.campaign_id, scheduled_email_id: a.row.scheduled_email_id, price: a.price, unit: a.unit, micros: a.micros }));
  const later = answers.filter((a) => a.kind !== "priced" && a.kind !== "gone").map((a) => ({ campaign_id: a.row.campaign_id, scheduled_email_id: a.row.scheduled_email_id }));
  const gone = answers.filter((a) => a.kind === "gone").map((a) => ({ campaign_id: a.row.campaign_id, scheduled_email_id: a.row.scheduled_email_id }));
  // Twilio's 429 (20429): nobody asks again for a second, the sending included (the same account).
  if (answers.some((a) => a.kind === "refused" && a.status === 429)) await block(db, "twilio:account", 1_000);
  return db.transaction(async (tx) => {
    const result = { priced: 0, waiting: 0, gaveUp: 0 };
    if (priced.length) {
      const stored = await tx.execute<{ texts: number }>(sql`
        with p as (
          select * from jsonb_to_recordset(${JSON.stringify(priced)}::jsonb) as p(campaign_id bigint, scheduled_email_id bigint, price text, unit text, micros bigint)
        ), stored as (
          update sms_messages m set price = p.price, price_unit = p.unit, price_micros = p.micros, updated_at = now()
          from p where m.campaign_id = p.campaign_id and m.scheduled_email_id = p.scheduled_email_id and m.price_micros is null
          returning m.campaign_id, m.run_id, (m.handed_at at time zone 'UTC')::date as day, m.price_unit, m.price_micros
        ), costs as (
          insert into sms_costs (campaign_id, run_id, day, currency, texts, cost_micros)
          select campaign_id, run_id, day, price_unit, count(*), sum(price_micros) from stored group by 1, 2, 3, 4
          on conflict (campaign_id, run_id, day, currency) do update set
            texts = sms_costs.texts + excluded.texts, cost_micros = sms_costs.cost_micros + excluded.cost_micros, updated_at = now()
          returning 1
        )
        select count(*)::int as texts from stored`);
      result.priced = Number(stored[0]?.texts ?? 0);
    }
    if (later.length) {
      const waited = await tx.execute<{ gave_up: boolean }>(sql`
        update sms_messages m set
          price_next_at = now() + make_interval(mins => least(120, power(2, least(greatest(m.price_checks - 1, 0), 7))::int)),
          price_gave_up_at = case when m.handed_at < now() - make_interval(secs => ${config.TWILIO_PRICE_WAIT_HOURS * 3600}) then now() end,
          updated_at = now()
        from jsonb_to_recordset(${JSON.stringify(later)}::jsonb) as x(campaign_id bigint, scheduled_email_id bigint)
        where m.campaign_id = x.campaign_id and m.scheduled_email_id = x.scheduled_email_id and m.price_micros is null
        returning m.price_gave_up_at is not null as gave_up`);
      result.gaveUp += waited.filter((w) => w.gave_up).length;
      result.waiting += waited.filter((w) => !w.gave_up).length;
    }
    if (gone.length) {
      const given = await tx.execute(sql`
        update sms_messages m set price_gave_up_at = now(), updated_at = now()
        from jsonb_to_recordset(${JSON.stringify(gone)}::jsonb) as x(campaign_id bigint, scheduled_email_id bigint)
        where m.campaign_id = x.campaign_id and m.scheduled_email_id = x.scheduled_email_id and m.price_micros is null
        returning 1`);
      result.gaveUp += given.length;
    }
    return result;
  });
}

/** Texts claimed but not asked about (no rate slot): due again now, their check not counted. */
async function release(services: Services, claimed: Claimed[]) {
  const rows = claimed.map((c) => ({ campaign_id: c.campaign_id, scheduled_email_id: c.scheduled_email_id }));
  await services.db.execute(sql`
    update sms_messages m set price_next_at = now(), price_checks = greatest(m.price_checks - 1, 0)
    from jsonb_to_recordset(${JSON.stringify(rows)}::jsonb) as x(campaign_id bigint, scheduled_email_id bigint)
    where m.campaign_id = x.campaign_id and m.scheduled_email_id = x.scheduled_email_id`);
}
