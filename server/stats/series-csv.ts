import type { Executor } from "../../db/client";
import { csvDocument } from "../lib/csv";
import { statsSeries, type StatsInput } from "./series";

const rate = (r: number | null) => (r == null ? "" : r.toFixed(4));

/** The Analytics table as a CSV: one row per period of the range, empty periods included, so a chart made from it has the same axis. */
export async function statsSeriesCsv(db: Executor, input: StatsInput): Promise<string> {
  const { series } = await statsSeries(db, input);
  return csvDocument(
    ["period", "sent", "delivered", "people_mailed", "people_opened", "machine_opens", "people_clicked", "replied", "bounced", "unsubscribed", "open_rate", "click_rate"],
    series.map((s) => [s.period, s.sent, s.delivered, s.people_sent ?? 0, s.unique_opened, s.machine_opened, s.unique_clicked, s.replied, s.bounced, s.unsubscribed, rate(s.rates.open), rate(s.rates.click)]),
  );
}
