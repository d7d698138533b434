import { verifyCounters } from "../../server/counters/verify";
import { boot } from "../boot";
import type { Command } from "../command";

export const verifyCountersCommand: Command = {
  name: "verify-counters",
  summary: "recompute every run's and campaign's counters from the event log and report drift",
  usage: "herald verify-counters [--fix]",
  options: { fix: { type: "boolean" } },
  details: [
    "--fix  also correct the stored counters to what the log says",
    "Runs are checked against email_events; a campaign's lifetime counters against the sum of its runs.",
    "Exit code 1 when any counter drifted (even when fixed).",
  ],
  async run({ values }) {
    const app = await boot();
    try {
      const result = await verifyCounters(app.services.db, { fix: Boolean(values.fix), retentionMonths: app.config.EVENT_RETENTION_MONTHS });
      const past = result.runsPastRetention ? ` (${result.runsPastRetention} older runs are past the ${app.config.EVENT_RETENTION_MONTHS}-month event retention and are not checked against the log)` : "";
      console.log(`Checked ${result.runsChecked} runs against the event log and ${result.campaignsChecked} campaigns against their runs${past}.`);
      if (!result.drift.length) {
        console.log("No drift: every counter matches the event log.");
        return 0;
      }
      for (const d of result.drift) {
        console.log(`  ${d.campaignName}${d.runNumber ? ` run ${d.runNumber}` : " (lifetime)"}: ${d.counter} is ${d.stored}, the log says ${d.actual}`);
      }
      console.log(result.fixed ? `Fixed ${result.drift.length} counters.` : `${result.drift.length} counters drifted. Run with --fix to correct them.`);
      return 1;
    } finally {
      await app.shutdown();
    }
  },
};
