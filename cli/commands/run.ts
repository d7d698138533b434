import { sql } from "drizzle-orm";
import { findCampaignByName, getCampaign } from "../../server/campaigns/campaigns";
import { transitionCampaign } from "../../server/campaigns/lifecycle";
import { messageWords, sentAndFailed } from "../../server/runs/summary";
import { dryRun } from "../../server/sending/dry-run";
import { providerStatus } from "../../server/sending/health";
import { workerIdFor } from "../../server/sending/lanes";
import { sendRun } from "../../server/sending/send-run";
import { createTransport } from "../../server/sending/transports";
import { boot } from "../boot";
import { requireString, UsageError, type Command } from "../command";
import { progressBar } from "../progress";

const n = new Intl.NumberFormat("en-US");

export const run: Command = {
  name: "run",
  summary: "send what is due now for one campaign, in the foreground",
  usage: "herald run --campaign NAME [--dry-run] [--limit N]",
  options: { campaign: { type: "string" }, "dry-run": { type: "boolean" }, limit: { type: "string" } },
  details: [
    "--campaign NAME  the campaign (a draft is started first)",
    "--dry-run        render and count what would be sent; send nothing, change nothing",
    "--limit N        send at most N emails",
    "Counters move every batch; the run stops as soon as the campaign is paused from anywhere (UI, Airtable, another shell).",
  ],
  async run({ values }) {
    const name = requireString(values, "campaign");
    const limit = values.limit !== undefined ? Number(values.limit) : undefined;
    if (limit !== undefined && (!Number.isInteger(limit) || limit < 1)) throw new UsageError("--limit must be a positive whole number");
    const app = await boot({ migrate: values["dry-run"] ? "check" : true });
    const { services } = app;
    try {
      const { id } = await findCampaignByName(services.db, name);
      if (values["dry-run"]) {
        const preview = await dryRun(services, id, limit);
        const emailsDue = preview.due - preview.sms.texts - preview.sms.noPhone - preview.sms.optedOut - preview.sms.overCap;
        console.log(`Dry run of "${name}"${preview.wouldStart ? " (a draft: it would be started)" : ""}: ${n.format(emailsDue)} emails are due now and would be sent.`);
        for (const s of preview.samples) console.log(`  to ${s.to}: "${s.subject}"`);
        if (preview.sms.texts || preview.sms.noPhone || preview.sms.optedOut || preview.sms.overCap) {
          console.log(`${n.format(preview.sms.texts)} text messages (SMS) are due now and would be sent; ${n.format(preview.sms.noPhone)} skipped (no phone number), ${n.format(preview.sms.optedOut)} skipped (opted out)${preview.sms.overCap ? `; ${n.format(preview.sms.overCap)} would wait for tomorrow (every SMS sender at its daily cap)` : ""}.`);
          for (const s of preview.sms.samples) console.log(`  text to ${s.to} from ${s.from}: ${JSON.stringify(s.text)}`);
        }
        console.log("Nothing was sent or changed.");
        return 0;
      }
      let campaign = await getCampaign(services.db, id);
      // Emails, texts, or messages when the steps use both channels.
      const words = messageWords({ email: campaign.steps.filter((s) => s.channel !== "sms").length, sms: campaign.steps.filter((s) => s.channel === "sms").length });
      if (campaign.status === "draft") {
        const started = await transitionCampaign(services.db, id, "start", { source: "cli" });
        console.log(`Started run ${started.runNumber} of "${name}": ${n.format(started.recipients ?? 0)} recipients, ${n.format(started.scheduled ?? 0)} ${words.many}.`);
        campaign = await getCampaign(services.db, id);
      }
      if (campaign.status !== "running" && campaign.status !== "scheduled") {
        console.error(`"${name}" is ${campaign.status}: nothing to send.${campaign.status === "paused" ? " Resume it first." : ""}`);
        return 1;
      }
      const runId = campaign.currentRunId!;
      const [due] = await services.db.execute<{ n: number }>(sql`
        select count(*)::int as n from scheduled_emails where campaign_id = ${id} and run_id = ${runId} and status in ('pending', 'sending') and scheduled_for <= now()`);
      const total = Math.min(due?.n ?? 0, limit ?? Infinity);
      const bar = progressBar(total, `Run ${campaign.currentRun!.runNumber}`);
      bar.update(0);
      const result = await sendRun(services, createTransport(services.config, services.db), id, runId, {
        workerId: workerIdFor("cli"),
        limit,
        onBatch: (p) => bar.update(p.sent + p.failed + p.skipped, `sent ${p.sent} · failed ${p.failed}`),
      });
      bar.done();
      const after = await getCampaign(services.db, id);
      const why = {
        completed: "The run is complete.",
        idle: result.nextAt ? `Nothing more is due now; the next ${words.one} is due ${result.nextAt.toISOString()}.` : "Nothing more is due now.",
        waiting: `Waiting for the provider or a sending cap${result.nextAt ? ` until ${result.nextAt.toISOString()}` : ""}; workers will continue.`,
        stopped: `Stopped: the campaign is ${after.status}.`,
        failed: `The run failed: ${result.reason}`,
        limit: `Stopped at --limit ${limit}.`,
        deadline: "Stopped.",
      }[result.outcome];
      console.log(`Sent ${n.format(result.sent)}, failed ${n.format(result.failed)}, skipped ${n.format(result.skipped)}. ${why}`);
      const totals = after.currentRun!;
      console.log(`Run ${totals.runNumber} totals: ${sentAndFailed(totals)} of ${n.format(totals.scheduledCount)} scheduled${words.many === "emails" ? "" : ` ${words.many}`}.`);
      const [unknown] = await services.db.execute<{ n: number }>(sql`select count(*)::int as n from scheduled_emails where campaign_id = ${id} and run_id = ${runId} and status = 'unknown'`);
      if (unknown?.n) console.log(`${n.format(unknown.n)} ${words.many} have an unknown outcome: the provider may have accepted them; they are not counted as failed and "rerun failed" skips them.`);
      const provider = await providerStatus(services.db);
      if (provider.message) console.log(provider.message);
      return result.outcome === "failed" ? 1 : 0;
    } finally {
      await app.shutdown();
    }
  },
};
