import type { Services } from "../../server/services";
import type { AirtableBase } from "../../sync/client";
import { checkSchema, initSchema } from "../../sync/schema-check";
import { setAside } from "../../server/sync-status";
import { configuredBases, disableSync, enableSync, queueFullSync, schemaOf, syncOnce, type BaseName } from "../../sync/run";
import { boot } from "../boot";
import { UsageError, type Command } from "../command";
import { untilSignal } from "../signals";

const baseOption = (v: unknown): BaseName | undefined => {
  if (v === undefined) return undefined;
  if (v !== "control" && v !== "performance") throw new UsageError("--base must be control or performance");
  return v;
};

export const syncCommand: Command = {
  name: "sync",
  summary: "mirror campaigns and KPIs with Airtable (pull ops edits, push changes)",
  usage: "herald sync [--once] [--base control|performance] [--full] [--off]",
  options: { once: { type: "boolean" }, base: { type: "string" }, full: { type: "boolean" }, off: { type: "boolean" } },
  details: [
    "--once   one round now, then exit (default: a round every minute until Ctrl-C)",
    "--base   only this base",
    "--full   queue every campaign and the last 30 days of KPIs first (e.g. after connecting a new base)",
    "--off    stop mirroring (all bases, or --base): changes are no longer queued and the queue is dropped",
    "Rounds never overlap: while a round of a base runs elsewhere (worker, Sync now), this one skips that base and says so.",
    "Needs AIRTABLE_TOKEN and AIRTABLE_CONTROL_BASE_ID and/or AIRTABLE_PERFORMANCE_BASE_ID.",
  ],
  async run({ values }) {
    const only = baseOption(values.base);
    const app = await boot();
    try {
      if (values.off) {
        await disableSync(app.services, only);
        console.log(`Airtable sync is off for ${only ?? "both bases"}: nothing more is queued. \`herald airtable init\` or \`herald sync\` turns it on again.`);
        return 0;
      }
      if (!Object.keys(configuredBases(app.services)).length) {
        console.error("Airtable sync is off: set AIRTABLE_TOKEN and AIRTABLE_CONTROL_BASE_ID and/or AIRTABLE_PERFORMANCE_BASE_ID.");
        return 1;
      }
      if (values.full) await queueFullSync(app.services);
      const round = async () => {
        for (const r of await syncOnce(app.services, only)) {
          if (r.skipped) {
            console.log(`${r.base}: ${r.skipped}; this round is skipped`);
            continue;
          }
          const p = r.pulled;
          const pulled = p ? `pulled ${p.changed} status edits (${p.applied} applied, ${p.refused} refused, ${p.ignored} records ignored), ${p.restored} edited records to restore, ${p.recreated} deleted records to recreate; ` : "";
          console.log(`${r.base}: ${pulled}pushed ${r.pushed} records${r.error ? `; ${r.error}` : ""}`);
        }
        for (const a of await setAside(app.services.db)) {
          console.log(`  set aside (${a.base}): ${a.recordId ?? a.recordKey}${a.campaignId ? `, campaign "${a.campaignName ?? ""}" (#${a.campaignId})` : ""}: ${a.reason}`);
        }
      };
      await round();
      if (values.once) return 0;
      const timer = setInterval(() => void round(), 60_000);
      await untilSignal();
      clearInterval(timer);
    } finally {
      await app.shutdown();
    }
  },
};

/** Runs `fn` for each configured base, or explains that sync is off. */
async function eachBase(fn: (name: BaseName, base: AirtableBase, services: Services) => Promise<number>, readOnly = false): Promise<number> {
  const app = await boot({ migrate: readOnly ? "check" : true });
  try {
    const bases = configuredBases(app.services);
    if (!Object.keys(bases).length) {
      console.error("Airtable sync is off: set AIRTABLE_TOKEN and the base ids.");
      return 1;
    }
    let failures = 0;
    for (const [name, base] of Object.entries(bases) as Array<[BaseName, AirtableBase]>) failures += await fn(name, base, app.services);
    return failures ? 1 : 0;
  } finally {
    await app.shutdown();
  }
}

export const airtableCheck: Command = {
  name: "airtable check",
  summary: "check that the Airtable bases have the tables and fields Herald needs",
  usage: "herald airtable check",
  details: ["Names every missing table or field; exit 1 if anything is missing. `herald airtable init` creates them."],
  run: () =>
    eachBase(async (name, base) => {
      const all = await checkSchema(base, schemaOf(name));
      const problems = all.filter((p) => !p.optional);
      console.log(problems.length ? `${name} base (${base.id}):` : `${name} base (${base.id}): everything Herald needs is there.`);
      for (const p of all) console.log(`  - ${p.problem}`);
      return problems.length;
    }, true),
};

export const airtableInit: Command = {
  name: "airtable init",
  summary: "create the tables and fields Herald needs in the Airtable bases (Meta API)",
  usage: "herald airtable init",
  details: [
    "Needs a token with schema.bases:write. Creates only what is missing; existing data is untouched.",
    "Computed fields (e.g. Last modified time) cannot be created through Airtable's API: it prints the steps to do by hand.",
    "Exit 1 if a field exists with the wrong type. Turns mirroring on for the configured bases.",
  ],
  run: () =>
    eachBase(async (name, base, services) => {
      const r = await initSchema(base, schemaOf(name));
      console.log(r.created.length ? `${name} base: created ${r.created.join(", ")}` : `${name} base: nothing to create.`);
      for (const step of r.manual) console.log(`  by hand (optional): ${step}`);
      for (const w of r.wrong) console.error(`  wrong type: ${w}`);
      if (!r.wrong.length) await enableSync(services, name);
      // New fields (a release that mirrors more, e.g. SMS): the last 30 days go again, so they fill in, set-aside records included.
      if (!r.wrong.length && r.created.length) await queueFullSync(services, 30, name);
      return r.wrong.length;
    }),
};
