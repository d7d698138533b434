import { verifyCounters } from "../../server/counters/verify";
import { formatMoney } from "../../shared/money";
import { boot } from "../boot";
import type { Command } from "../command";

const n = new Intl.NumberFormat("en-US");

export const verifyCountersCommand: Command = {
  name: "verify-counters",
  summary: "recompute every run's and campaign's counters from their source of truth and report drift",
  usage: "herald verify-counters [--fix]",
  options: { fix: { type: "boolean" } },
  details: [
    "--fix  also correct what can be recomputed (run and campaign counters, the legacy per-day rollup)",
    "Runs are checked against email_events (runs past the event retention are skipped, and said so); legacy",
    "runs against the legacy store, and the store against its source's totals recorded at import; a campaign's",
    "lifetime counters against the sum of its runs, and each day of a run's SMS cost against the prices stored on",
    "its texts. It prints what it checked: checking nothing is not \"no drift\".",
    "Exit code 1 when anything drifted (even when fixed).",
  ],
  async run({ values }) {
    const app = await boot({ migrate: values.fix ? true : "check" });
    try {
      const r = await verifyCounters(app.services.db, { fix: Boolean(values.fix), retentionMonths: app.config.EVENT_RETENTION_MONTHS });
      const c = r.checked;
      console.log(`Checked ${n.format(c.runs)} runs against the event log, ${n.format(c.legacyRuns)} legacy runs against the legacy store, ` +
        `${n.format(c.legacyCampaigns)} legacy campaigns (${n.format(c.legacyCampaignDays)} campaign-days) against their source's totals, ` +
        `${n.format(c.legacyDays)} days of the legacy rollup, and ${n.format(c.campaigns)} campaigns against their runs.`);
      if (c.pricedTexts) console.log(`Checked each day's SMS cost against the prices of ${n.format(c.pricedTexts)} priced texts.`);
      if (r.unknown) console.log(`${n.format(r.unknown)} messages (emails or texts) have an unknown outcome (the provider may or may not have accepted them); they are counted neither sent nor failed.`);
      for (const s of r.skipped) console.log(`Skipped ${n.format(s.count)} ${s.what}: ${s.reason}.`);
      const found = r.drift.length + r.legacy.dayDrift.length + r.costDrift.length;
      if (!found) {
        console.log(c.runs + c.legacyRuns + c.campaigns === 0 ? "Nothing to check: there are no campaigns or runs." : "No drift in anything checked.");
        return 0;
      }
      for (const d of r.drift) {
        if (d.scope === "legacy") console.log(`  ${d.campaignName}: the legacy store holds ${d.counter} ${d.stored}, its source had ${d.actual} (restore it from the source: --fix cannot)`);
        else console.log(`  ${d.campaignName}${d.runNumber ? ` run ${d.runNumber}` : " (lifetime)"}: ${d.counter} is ${d.stored}, ${d.truth === "runs" ? `the log says ${d.actual} (the sum of its runs)` : `the ${d.truth} says ${d.actual}`}`);
      }
      for (const d of r.costDrift) {
        const money = (x: { texts: number; costMicros: number }) => `${n.format(x.texts)} texts, ${formatMoney(x.costMicros, d.currency)}`;
        console.log(`  ${d.campaignName} run ${d.runNumber}: SMS cost of ${d.day} is ${money(d.stored)} (${d.currency}); the texts' prices say ${money(d.actual)}`);
      }
      for (const d of r.legacy.dayDrift.slice(0, 20)) console.log(`  legacy rollup ${d.day}: ${d.metric} is ${d.stored}, the stored campaign-days say ${d.actual}`);
      if (r.legacy.dayDrift.length > 20) console.log(`  …and ${n.format(r.legacy.dayDrift.length - 20)} more legacy rollup differences`);
      console.log(r.fixed ? `Fixed what could be recomputed (${found} differences found).` : `${found} differences. Run with --fix to correct the counters, the costs and the rollup.`);
      return 1;
    } finally {
      await app.shutdown();
    }
  },
};
