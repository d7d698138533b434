import { createReadStream, existsSync } from "node:fs";
import { importLeadsCsv } from "../../server/leads/csv-import";
import { boot } from "../boot";
import { requireString, UsageError, type Command } from "../command";

const n = new Intl.NumberFormat("en-US");

export const importLeads: Command = {
  name: "import-leads",
  summary: "import leads from a CSV file into a list (streamed: any size)",
  usage: "herald import-leads FILE --list NAME [--overwrite]",
  options: { list: { type: "string" }, overwrite: { type: "boolean" } },
  details: [
    "FILE         CSV with a header row; needs an email column. Recognised: first name, last name, company, time zone;",
    "             other columns become attributes usable as merge tags.",
    "--list NAME  the list to add the leads to (created when missing)",
    "--overwrite  replace the names, company and time zone of leads that already exist (by default they keep theirs and only gain what they lack)",
    "Invalid rows are reported with their line numbers; valid rows import. Exit code 1 when any row was rejected.",
  ],
  async run({ values, positionals }) {
    const file = positionals[0];
    if (!file) throw new UsageError("FILE is required");
    if (!existsSync(file)) throw new UsageError(`No such file: ${file}`);
    const listName = requireString(values, "list");
    const app = await boot();
    try {
      const started = Date.now();
      const report = await importLeadsCsv(app.services.db, createReadStream(file), { listName, overwrite: values.overwrite === true });
      const seconds = ((Date.now() - started) / 1000).toFixed(1);
      console.log(`Read ${n.format(report.rows)} rows in ${seconds} s into list "${report.list!.name}": ${n.format(report.created)} new leads, ${n.format(report.updated)} updated, ${n.format(report.duplicates)} duplicates in the file, ${n.format(report.rejectedCount)} rejected, ${n.format(report.unchanged)} unchanged.`);
      for (const w of report.warnings) console.log(`  line ${w.line}: warning: ${w.reason}`);
      if (report.suppressedCount) console.log(`  ${n.format(report.suppressedCount)} ${report.suppressedCount === 1 ? "address is" : "addresses are"} suppressed and will not be mailed: ${report.suppressed.slice(0, 20).map((x) => `${x.email} (line ${x.line})`).join(", ")}${report.suppressedCount > 20 ? ", …" : ""}`);
      for (const r of report.rejected) console.error(`  line ${r.line}: ${r.reason}`);
      if (report.rejectedCount > report.rejected.length) console.error(`  … and ${n.format(report.rejectedCount - report.rejected.length)} more`);
      return report.rejectedCount ? 1 : 0;
    } finally {
      await app.shutdown();
    }
  },
};
