import type { Command } from "./command";

/**
 * Every command by name, loaded only when it runs: `herald stats` does not
 * compile and load the web server, the worker or the Airtable bridge first.
 * The summaries here are what `herald --help` lists without loading anything;
 * tests/unit/cli-registry.test.ts checks that they match the commands'.
 */
export interface CommandEntry {
  name: string;
  summary: string;
  load(): Promise<Command>;
}

export const COMMANDS: CommandEntry[] = [
  { name: "start", summary: "serve the web app and run a worker in one process (what `npm start` runs)", load: async () => (await import("./commands/start")).start },
  { name: "migrate", summary: "apply database migrations (Herald's and graphile-worker's)", load: async () => (await import("./commands/migrate")).migrate },
  { name: "worker", summary: "run background jobs (sending, stats, sync) in this process", load: async () => (await import("./commands/worker")).worker },
  { name: "run", summary: "send what is due now for one campaign, in the foreground", load: async () => (await import("./commands/run")).run },
  { name: "import-leads", summary: "import leads from a CSV file into a list (streamed: any size)", load: async () => (await import("./commands/import-leads")).importLeads },
  { name: "verify-counters", summary: "recompute every run's and campaign's counters from their source of truth and report drift", load: async () => (await import("./commands/verify-counters")).verifyCountersCommand },
  { name: "stats", summary: "campaign or global statistics for a date range", load: async () => (await import("./commands/stats")).statsCommand },
  { name: "mark-replied", summary: "record a reply found outside Herald; stops that recipient's remaining stop-on-reply steps", load: async () => (await import("./commands/mark-replied")).markRepliedCommand },
  { name: "legacy-import daily-stats", summary: "import a dense legacy daily-stats table into Herald's legacy store and prove the totals match", load: async () => (await import("./commands/legacy-import")).legacyImport },
  { name: "sync", summary: "mirror campaigns and KPIs with Airtable (pull ops edits, push changes)", load: async () => (await import("./commands/sync")).syncCommand },
  { name: "airtable check", summary: "check that the Airtable bases have the tables and fields Herald needs", load: async () => (await import("./commands/sync")).airtableCheck },
  { name: "airtable init", summary: "create the tables and fields Herald needs in the Airtable bases (Meta API)", load: async () => (await import("./commands/sync")).airtableInit },
  { name: "user add", summary: "create a team member who can sign in", load: async () => (await import("./commands/user-add")).userAdd },
  { name: "user set-password", summary: "set a team member's password (ends their sessions)", load: async () => (await import("./commands/user-manage")).userSetPassword },
  { name: "user disable", summary: "stop a team member from signing in (ends their sessions at once)", load: async () => (await import("./commands/user-manage")).userDisable },
  { name: "user enable", summary: "let a disabled team member sign in again", load: async () => (await import("./commands/user-manage")).userEnable },
];
