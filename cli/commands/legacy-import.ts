import { importLegacyDailyStats } from "../../server/stats/legacy-import";
import { boot } from "../boot";
import { requireString, type Command } from "../command";

const n = new Intl.NumberFormat("en-US");
const mb = (b: number) => `${(b / 1024 / 1024).toFixed(1)} MB`;

export const legacyImport: Command = {
  name: "legacy-import daily-stats",
  summary: "turn a dense legacy daily-stats table into events and prove the totals match",
  usage: "herald legacy-import daily-stats --from-table NAME",
  options: { "from-table": { type: "string" } },
  details: [
    "--from-table NAME  a table in Herald's database with columns campaign_id, stat_date, sent, opened,",
    "                   replied, positive_replies, bounced, clicked (one row per campaign per day)",
    "Only non-zero cells become events. Per-campaign totals before and after are compared; any difference",
    "rolls the whole import back. A table is imported once.",
  ],
  async run({ values }) {
    const table = requireString(values, "from-table");
    const app = await boot();
    try {
      const started = Date.now();
      const r = await importLegacyDailyStats(app.services.db, table);
      const seconds = ((Date.now() - started) / 1000).toFixed(1);
      const campaigns = new Set(r.reconciliation.map((x) => x.campaignId)).size;
      console.log(`Imported "${r.source}" in ${seconds} s.`);
      console.log(`Reconciliation: ${campaigns} campaigns × 6 metrics, ${r.mismatches} differences: every total matches.`);
      const byMetric = new Map<string, { before: number; after: number }>();
      for (const x of r.reconciliation) {
        const m = byMetric.get(x.metric) ?? { before: 0, after: 0 };
        m.before += x.before;
        m.after += x.after;
        byMetric.set(x.metric, m);
      }
      for (const [metric, m] of byMetric) console.log(`  ${metric.padEnd(17)} before ${n.format(m.before).padStart(14)}  after ${n.format(m.after).padStart(14)}`);
      console.log(`Rows: ${n.format(r.sourceRows)} dense rows -> ${n.format(r.events)} events (${((1 - r.events / r.sourceRows) * 100).toFixed(1)} % fewer); the dashboards' rollup gained ${n.format(r.dailyStatsRows)} daily-stats rows.`);
      console.log(`Storage with indexes: ${mb(r.bytesBefore)} -> ${mb(r.eventBytes)} of events (${((1 - r.eventBytes / r.bytesBefore) * 100).toFixed(1)} % less), ${mb(r.bytesAfter)} with the rollups.`);
      if (r.campaignsCreated) console.log(`${r.campaignsCreated} legacy campaigns had no Herald campaign and were created as "Legacy campaign <id>".`);
    } finally {
      await app.shutdown();
    }
  },
};
