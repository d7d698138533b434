import { findCampaignByName } from "../../server/campaigns/campaigns";
import { getRun } from "../../server/runs/queries";
import { linkStats } from "../../server/stats/links";
import { statsSeries } from "../../server/stats/series";
import { formatCost } from "../../shared/money";
import { SMS_LABELS } from "../../shared/sms-rates";
import { boot } from "../boot";
import { UsageError, type Command } from "../command";

const n = new Intl.NumberFormat("en-US");
const pct = (r: number | null) => (r == null ? "–" : `${(r * 100).toFixed(1)}%`);
const isoDay = (d: Date) => d.toISOString().slice(0, 10);

export const statsCommand: Command = {
  name: "stats",
  summary: "campaign or global statistics for a date range",
  usage: "herald stats [--campaign NAME] [--from YYYY-MM-DD] [--to YYYY-MM-DD] [--granularity day|week|month] [--json]\n       herald stats --links --campaign NAME [--run N] [--json]",
  options: { campaign: { type: "string" }, from: { type: "string" }, to: { type: "string" }, granularity: { type: "string" }, json: { type: "boolean" }, links: { type: "boolean" }, run: { type: "string" } },
  details: [
    "--campaign NAME   one campaign (default: all campaigns)",
    "--from, --to      the range, inclusive (default: the last 30 days)",
    "--granularity     day (default), week (ISO weeks, from Monday) or month",
    "--json            machine-readable output",
    "--links           every tracked link of the campaign (--run N: of one run), people and machines apart",
    "Human figures leave out machine opens and clicks (privacy proxies, link scanners); see the README.",
  ],
  async run({ values }) {
    if (values.links) return printLinks(values);
    if (values.run) throw new UsageError("--run goes with --links");
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
      console.log("Emails");
      const header = ["period", "sent", "delivered", "people mailed", "opened", "clicked", "replied", "positive", "bounced", "unsub", "human opened", "human clicked",
        "open rate (people)", "human open rate (people)", "click rate (people)", "human click rate (people)", "human click-to-open (people)", "machine opens", "machine clicks"];
      type Row = (typeof stats.series)[number];
      const cells = (label: string, s: Omit<Row, "period">) => [label, n.format(s.sent), n.format(s.delivered), n.format(s.people_sent ?? 0), n.format(s.unique_opened), n.format(s.unique_clicked),
        n.format(s.replied), n.format(s.positive_replies), n.format(s.bounced), n.format(s.unsubscribed), n.format(s.human_opened), n.format(s.human_clicked), pct(s.rates.open), pct(s.rates.humanOpen), pct(s.rates.click), pct(s.rates.humanClick), pct(s.rates.humanClickToOpen),
        n.format(s.machine_opened), n.format(s.machine_clicked)];
      const rows = stats.series.map((s) => cells(s.period, s));
      const total = { ...stats.totals, rates: stats.rates, smsRates: stats.smsRates, smsCost: stats.smsCost };
      rows.push(cells("total", total));
      printTable(header, rows);
      console.log("");
      console.log("Text messages (SMS): rates over people texted, one per text labelled so; cost as Twilio priced the texts");
      const smsCells = (label: string, s: Omit<Row, "period">) => [label, n.format(s.people_texted), n.format(s.sms_sent), n.format(s.sms_delivered), n.format(s.sms_failed),
        n.format(s.sms_replied), n.format(s.sms_opted_out), pct(s.smsRates.delivery), pct(s.smsRates.reply), pct(s.smsRates.optOut), pct(s.smsRates.perText.delivery), formatCost(s.smsCost)];
      const smsRows = stats.series.filter((s) => s.sms_sent || s.sms_failed || s.sms_delivered || s.sms_replied || s.sms_opted_out || s.smsCost.length).map((s) => smsCells(s.period, s));
      smsRows.push(smsCells("total", total));
      printTable(["period", "people texted", "texts sent", "texts delivered", "texts failed", "replies (people)", "opt-outs (people)",
        SMS_LABELS.delivery.toLowerCase(), SMS_LABELS.reply.toLowerCase(), SMS_LABELS.optOut.toLowerCase(), SMS_LABELS.deliveryPerText.toLowerCase(), "cost"], smsRows);
    } finally {
      await app.shutdown();
    }
  },
};

function printTable(header: string[], rows: string[][]) {
  const widths = header.map((h, i) => Math.max(h.length, ...rows.map((r) => r[i]!.length)));
  const line = (cells: string[]) => cells.map((c, i) => (i === 0 ? c.padEnd(widths[i]!) : c.padStart(widths[i]!))).join("  ");
  console.log(line(header));
  for (const r of rows) console.log(line(r));
}

async function printLinks(values: Record<string, unknown>) {
  if (!values.campaign) throw new UsageError("--links needs --campaign NAME");
  const runNumber = values.run === undefined ? undefined : Number(values.run);
  if (runNumber !== undefined && (!Number.isInteger(runNumber) || runNumber < 1)) throw new UsageError("--run must be a run number like 2");
  const app = await boot({ migrate: "check" });
  try {
    const campaign = await findCampaignByName(app.services.db, values.campaign as string);
    const runId = runNumber ? (await getRun(app.services.db, campaign.id, runNumber)).id : undefined;
    const links = await linkStats(app.services.db, { campaignId: campaign.id, runId });
    if (values.json) {
      console.log(JSON.stringify(links, null, 2));
      return;
    }
    console.log(`Links of "${values.campaign}"${runNumber ? `, run ${runNumber}` : ", every run"}: people who clicked as a person, and machine clicks (link scanners) apart`);
    if (!links.length) {
      console.log("No tracked links.");
      return;
    }
    printTable(["link", "people (human)", "human clicks", "machine clicks", "people (machine only)", "why machine"],
      links.map((l) => [l.decoy ? "(hidden decoy link)" : l.link, n.format(l.humanPeople), n.format(l.humanClicks), n.format(l.machineClicks), n.format(l.machinePeople), l.reasons.map((r) => `${r.reason} ${r.clicks}`).join(", ") || "–"]));
  } finally {
    await app.shutdown();
  }
}
