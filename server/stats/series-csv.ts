import type { Executor } from "../../db/client";
import { decimal } from "../../shared/money";
import { csvDocument } from "../lib/csv";
import { statsSeries, type StatsInput } from "./series";

const rate = (r: number | null) => (r == null ? "" : r.toFixed(4));

/**
 * The Analytics table as a CSV: one row per period of the range, empty periods included, so a chart made from it has the same axis.
 * Email columns first (sent = emails), then text messages: rates over people texted (decision 047), and what Twilio charged, exactly
 * (decimal, in sms_cost_currency; several currencies in one period are written out in sms_cost_currency and sms_cost stays empty).
 */
export async function statsSeriesCsv(db: Executor, input: StatsInput): Promise<string> {
  const { series } = await statsSeries(db, input);
  return csvDocument(
    ["period", "sent", "delivered", "people_mailed", "people_opened", "machine_opens", "people_clicked", "replied", "bounced", "unsubscribed", "open_rate", "click_rate",
      "people_texted", "texts_sent", "texts_delivered", "texts_failed", "people_text_delivered", "sms_replies", "sms_opt_outs", "sms_delivery_rate_people", "sms_reply_rate_people", "sms_opt_out_rate_people", "sms_delivery_rate_per_text", "sms_cost", "sms_cost_currency"],
    series.map((s) => [s.period, s.sent, s.delivered, s.people_sent ?? 0, s.unique_opened, s.machine_opened, s.unique_clicked, s.replied, s.bounced, s.unsubscribed, rate(s.rates.open), rate(s.rates.click),
      s.people_texted, s.sms_sent, s.sms_delivered, s.sms_failed, s.people_text_delivered, s.sms_replied, s.sms_opted_out, rate(s.smsRates.delivery), rate(s.smsRates.reply), rate(s.smsRates.optOut), rate(s.smsRates.perText.delivery),
      s.smsCost.length === 1 ? decimal(s.smsCost[0]!.costMicros) : "", s.smsCost.length === 1 ? s.smsCost[0]!.currency : s.smsCost.map((c) => `${decimal(c.costMicros)} ${c.currency}`).join(" + ")]),
  );
}

