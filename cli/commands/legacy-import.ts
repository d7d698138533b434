import { readFile } from "node:fs/promises";
import { importLegacyDailyStats, parseMapFile, type LegacyReport } from "../../server/stats/legacy-import";
import { boot } from "../boot";
import { requireString, UsageError, type Command } from "../command";

const n = new Intl.NumberFormat("en-US");
const mb = (b: number) => `${(b / 1024 / 1024).toFixed(1)} MB`;
const SHORT = ["sent", "opened", "replied", "positive_replies", "bounced", "clicked"] as const;

function table(header: string[], rows: string[][]) {
  const widths = header.map((h, i) => Math.max(h.length, ...rows.map((r) => r[i]!.length)));
  const line = (cells: string[]) => cells.map((c, i) => (i < 2 ? c.padEnd(widths[i]!) : c.padStart(widths[i]!))).join("  ");
  return [line(header), ...rows.map(line)].join("\n");
}

/** The reconciliation as a table: campaigns by name and legacy id, then every day, ISO week and month. */
export function printReport(r: LegacyReport, allCampaigns: boolean) {
  const rec = r.reconciliation;
  console.log(`${r.dryRun ? "Dry run (nothing was kept): would import" : "Imported"} ${r.source}: ${n.format(r.sourceRows)} rows, ${n.format(r.nonZeroRows)} with any non-zero count, kept as ${n.format(r.storedRows)} campaign-day rows.`);
  console.log(`Campaigns: ${n.format(r.campaignsCreated)} created, ${n.format(r.campaignsMapped)} existing ones given history through --map.`);
  const shown = allCampaigns ? rec.campaigns : rec.campaigns.slice(0, 20);
  console.log(`\nPer campaign, the source against what Herald shows under the campaign's name (store and run counters):`);
  console.log(table(["campaign", "legacy id", ...SHORT.map((m) => m.replace("positive_replies", "positive")), "matches"],
    shown.map((c) => [c.name, c.legacyId, ...SHORT.map((m) => (c.source[m] === c.herald[m] && c.source[m] === c.run[m] ? n.format(c.source[m]) : `${n.format(c.source[m])}≠${n.format(c.herald[m])}`)), c.differs ? "NO" : "yes"])));
  if (shown.length < rec.campaigns.length) console.log(`…and ${n.format(rec.campaigns.length - shown.length)} more campaigns (--all-campaigns prints every one).`);
  console.log("");
  console.log(table(["checked", "", "compared", "differing"], [
    ["campaigns", "by name", n.format(rec.campaigns.length), n.format(rec.campaigns.filter((c) => c.differs).length)],
    ["campaign-days", "non-zero", n.format(rec.campaignDays.compared), n.format(rec.campaignDays.differing)],
    ["days", "global", n.format(rec.day.compared), n.format(rec.day.differing)],
    ["ISO weeks", "global", n.format(rec.week.compared), n.format(rec.week.differing)],
    ["months", "global", n.format(rec.month.compared), n.format(rec.month.differing)],
  ]));
  console.log(`Totals: ${SHORT.map((m) => `${m} ${n.format(rec.totals.source[m])}`).join(", ")}: ${r.mismatches} differences.`);
  if (r.missingMetrics.length) console.log(`Not in the source (zero in Herald): ${r.missingMetrics.join(", ")}.`);
  if (r.dimensionsKept.length) console.log(`Kept per campaign (the values each used): ${r.dimensionsKept.join(", ")}.`);
  for (const c of r.notImported) console.log(`Not imported: ${c.column} (${c.reason}).`);
  console.log(`Storage with indexes: ${mb(r.bytesBefore)} in the source -> ${mb(r.bytesAfter)} in Herald (${((1 - r.bytesAfter / r.bytesBefore) * 100).toFixed(1)} % less).`);
}

export const legacyImport: Command = {
  name: "legacy-import daily-stats",
  summary: "import a dense legacy daily-stats table into Herald's legacy store and prove the totals match",
  usage: "herald legacy-import daily-stats --from-table NAME [--name-column COL | TABLE.COL] [--map FILE] [--dry-run]",
  options: {
    "from-table": { type: "string" }, "name-column": { type: "string" }, "name-key": { type: "string" }, map: { type: "string" },
    "id-column": { type: "string" }, "date-column": { type: "string" }, "dry-run": { type: "boolean" }, "all-campaigns": { type: "boolean" },
  },
  details: [
    "--from-table NAME    a table in Herald's database, one row per campaign per day: campaign_id (text, UUID or integer),",
    "                     stat_date, and counts sent, opened, replied, positive_replies, bounced, clicked",
    "--name-column COL    campaign names from a column of the table, or TABLE.COL of another table matched on",
    "                     its id (--name-key to choose another column); else campaigns are named \"Legacy <id>\"",
    "--map FILE           CSV of legacy id,campaign name: history for campaigns Herald already has (the only way",
    "                     legacy history joins an existing campaign)",
    "--id-column, --date-column  other names for campaign_id and stat_date",
    "--dry-run            check and reconcile everything, print it, keep nothing",
    "Every problem is listed with its row before anything is written. A table is imported once, whatever its spelling.",
  ],
  async run({ values }) {
    const table = requireString(values, "from-table");
    let map;
    if (values.map) {
      const text = await readFile(String(values.map), "utf8").catch(() => {
        throw new UsageError(`Cannot read the map file ${String(values.map)}.`);
      });
      map = parseMapFile(text);
    }
    const app = await boot({ migrate: values["dry-run"] ? "check" : true });
    try {
      const started = Date.now();
      const r = await importLegacyDailyStats(app.services.db, table, {
        map, nameColumn: values["name-column"] as string | undefined, nameKey: values["name-key"] as string | undefined,
        idColumn: values["id-column"] as string | undefined, dateColumn: values["date-column"] as string | undefined, dryRun: Boolean(values["dry-run"]),
      });
      printReport(r, Boolean(values["all-campaigns"]));
      console.log(`${r.dryRun ? "Checked" : "Done"} in ${((Date.now() - started) / 1000).toFixed(1)} s.`);
    } finally {
      await app.shutdown();
    }
  },
};
