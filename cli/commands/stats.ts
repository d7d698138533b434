import { findCampaignByName } from "../../server/campaigns/campaigns";
import { statsSeries } from "../../server/stats/series";
import { boot } from "../boot";
import { UsageError, type Command } from "../command";

const n = new Intl.NumberFormat("en-US");
const pct = (r: number | null) => (r == null ? "–" : `${(r * 100).toFixed(1)}%`);
const isoDay = (d: Date) => d.toISOString().slice(0, 10);

export const statsCommand: Command = {
  name: "stats",
  summary: "campaign or global statistics for a date range",
  usage: "herald stats [--campaign NAME] [--from YYYY-MM-DD] [--to YYYY-MM-DD] [--granularity day|week|month] [--json]",
  options: { campaign: { type: "string" }, from: { type: "string" }, to: { type: "string" }, granularity: { type: "string" }, json: { type: "boolean" } },
  details: [
    "--campaign NAME   one campaign (default: all campaigns)",
    "--from, --to      the range, inclusive (default: the last 30 days)",
    "--granularity     day (default), week (ISO weeks, from Monday) or month",
    "--json            machine-readable output",
  ],
  async run({ values }) {
    const granularity = (values.granularity as string | undefined) ?? "day";
    if (!["day", "week", "month"].includes(granularity)) throw new UsageError("--granularity must be day, week or month");
    const to = (values.to as string | undefined) ?? isoDay(new Date());
    const from = (values.from as string | undefined) ?? isoDay(new Date(Date.parse(to) - 29 * 86_400_000));
    for (const [flag, v] of [["--from", from], ["--to", to]]) if (!/^\d{4}-\d{2}-\d{2}$/.test(v!)) throw new UsageError(`${flag} must be a date like 2026-11-23`);
    const app = await boot({ migrate: "check" });
    try {
      const campaignId = values.campaign ? (await findCampaignByName(app.services.db, values.campaign as string)).id : undefined;
      const stats = await statsSeries(app.services.db, { campaignId, from, to, granularity: granularity as "day" });
      if (values.json) {
        console.log(JSON.stringify(stats, null, 2));
        return;
      }
      console.log(`${values.campaign ? `"${values.campaign}"` : "All campaigns"}, ${from} to ${to}, by ${granularity}`);
      const header = ["period", "sent", "delivered", "people mailed", "opened", "clicked", "replied", "positive", "bounced", "unsub", "open rate (people)", "click rate (people)", "machine opens"];
      const rows = stats.series.map((s) => [s.period, n.format(s.sent), n.format(s.delivered), n.format(s.people_sent ?? 0), n.format(s.unique_opened), n.format(s.unique_clicked), n.format(s.replied), n.format(s.positive_replies), n.format(s.bounced), n.format(s.unsubscribed), pct(s.rates.open), pct(s.rates.click), n.format(s.machine_opened)]);
      const t = stats.totals;
      rows.push(["total", n.format(t.sent), n.format(t.delivered), n.format(t.people_sent ?? 0), n.format(t.unique_opened), n.format(t.unique_clicked), n.format(t.replied), n.format(t.positive_replies), n.format(t.bounced), n.format(t.unsubscribed), pct(stats.rates.open), pct(stats.rates.click), n.format(t.machine_opened)]);
      const widths = header.map((h, i) => Math.max(h.length, ...rows.map((r) => r[i]!.length)));
      const line = (cells: string[]) => cells.map((c, i) => (i === 0 ? c.padEnd(widths[i]!) : c.padStart(widths[i]!))).join("  ");
      console.log(line(header));
      for (const r of rows) console.log(line(r));
    } finally {
      await app.shutdown();
    }
  },
};
