import { json, type LoaderFunctionArgs, type MetaFunction } from "@remix-run/node";
import { Form, useLoaderData, useSearchParams } from "@remix-run/react";
import { BarChart } from "../components/BarChart";
import { Kpi } from "../components/Kpi";
import { fmtInt, fmtPct } from "../lib/format";
import { guarded } from "../lib/guard.server";
import { RATE_LABELS } from "../lib/rate-labels";

export const meta: MetaFunction = () => [{ title: "Analytics · Herald" }];
const granularities = ["day", "week", "month"] as const;
type Granularity = (typeof granularities)[number];
const isoDay = (d: Date) => d.toISOString().slice(0, 10);
const validDay = (v: string | null) => (v && /^\d{4}-\d{2}-\d{2}$/.test(v) ? v : null);

export async function loader({ context, request }: LoaderFunctionArgs) {
  const url = new URL(request.url);
  const granularity = granularities.includes(url.searchParams.get("g") as Granularity) ? (url.searchParams.get("g") as Granularity) : "day";
  const to = validDay(url.searchParams.get("to")) ?? isoDay(new Date());
  const from = validDay(url.searchParams.get("from")) ?? isoDay(new Date(Date.parse(to) - (granularity === "month" ? 365 : granularity === "week" ? 90 : 29) * 86_400_000));
  const campaignId = Number(url.searchParams.get("campaign")) || undefined;
  const runNumber = Number(url.searchParams.get("run")) || undefined;
  const [campaigns, runs] = await guarded(request, () => Promise.all([
    context.trpc.campaigns.list({ pageSize: 200 }),
    campaignId ? context.trpc.campaigns.runs({ campaignId }) : Promise.resolve([]),
  ]));
  const runId = runs.find((r) => r.runNumber === runNumber)?.id;
  const stats = await guarded(request, () => context.trpc.stats.series({ campaignId, runId, from, to, granularity }));
  return json({ stats, campaigns: campaigns.campaigns.map((c) => ({ id: c.id, name: c.name })), runs: runs.map((r) => r.runNumber), campaignId, runNumber });
}

export default function Analytics() {
  const { stats, campaigns, runs, campaignId, runNumber } = useLoaderData<typeof loader>();
  const [params] = useSearchParams();
  const t = stats.totals;
  const periods = stats.series.map((s) => s.period);
  return (
    <section className="stack">
      <h1>Analytics</h1>
      <Form method="get" className="toolbar" aria-label="Analytics filters">
        <select name="campaign" defaultValue={campaignId ?? ""} aria-label="Campaign"><option value="">All campaigns</option>{campaigns.map((c) => <option key={c.id} value={c.id}>{c.name}</option>)}</select>
        {runs.length ? <select name="run" defaultValue={runNumber ?? ""} aria-label="Run"><option value="">All runs</option>{runs.map((r) => <option key={r} value={r}>Run {r}</option>)}</select> : null}
        <div className="row" role="group" aria-label="Granularity">
          {granularities.map((g) => <label key={g} className="inline"><input type="radio" name="g" value={g} defaultChecked={stats.granularity === g} /> {g}</label>)}
        </div>
        <label className="inline">From <input type="date" name="from" defaultValue={params.get("from") ?? stats.from} /></label>
        <label className="inline">To <input type="date" name="to" defaultValue={params.get("to") ?? stats.to} /></label>
        <button type="submit">Show</button>
      </Form>
      <div className="kpis">
        <Kpi label="Sent" value={fmtInt(t.sent)} />
        <Kpi label={RATE_LABELS.delivery} value={fmtPct(stats.rates.delivery)} hint={`${fmtInt(t.delivered)} delivered`} />
        <Kpi label={RATE_LABELS.open} value={fmtPct(stats.rates.open)} hint={`${fmtInt(t.unique_opened)} of ${fmtInt(stats.rates.base.count)} ${stats.rates.base.of}`} />
        <Kpi label={RATE_LABELS.humanOpen} value={fmtPct(stats.rates.humanOpen)} hint={`${fmtInt(t.human_opened)} of ${fmtInt(stats.rates.base.count)} ${stats.rates.base.of}`} />
        <Kpi label="Machine opens" value={fmtPct(stats.rates.machineOpenShare)} hint={`${fmtInt(t.machine_opened)} of ${fmtInt(t.opened)} opens`} />
        <Kpi label={RATE_LABELS.click} value={fmtPct(stats.rates.click)} hint={`click-to-open ${fmtPct(stats.rates.clickToOpen)}`} />
        <Kpi label={RATE_LABELS.humanClick} value={fmtPct(stats.rates.humanClick)} hint={`${fmtInt(t.human_clicked)} of ${fmtInt(stats.rates.base.count)} ${stats.rates.base.of}; human click-to-open ${fmtPct(stats.rates.humanClickToOpen)}`} />
        <Kpi label="Machine clicks" value={fmtPct(stats.rates.machineClickShare)} hint={`${fmtInt(t.machine_clicked)} of ${fmtInt(t.clicked)} clicks`} />
        <Kpi label={RATE_LABELS.reply} value={fmtPct(stats.rates.reply)} hint={`${fmtInt(t.replied)} replied, ${fmtInt(t.positive_replies)} positive`} />
        <Kpi label="Bounce rate (emails)" value={fmtPct(stats.rates.bounce)} />
        <Kpi label={RATE_LABELS.unsubscribe} value={fmtPct(stats.rates.unsubscribe)} />
      </div>
      <div className="card stack">
        <h2>Sent and delivered</h2>
        <BarChart periods={periods} series={[{ label: "sent", color: "#3451d1", values: stats.series.map((s) => s.sent) }]} />
      </div>
      <div className="card stack">
        <h2>Engagement</h2>
        <BarChart periods={periods} series={[
          { label: "people who opened", color: "#1c7c4a", values: stats.series.map((s) => s.unique_opened) },
          { label: "opened as a person", color: "#0f5132", values: stats.series.map((s) => s.human_opened) },
          { label: "clicked", color: "#a86700", values: stats.series.map((s) => s.unique_clicked) },
          { label: "replied", color: "#6235b5", values: stats.series.map((s) => s.replied) },
        ]} />
      </div>
      <div className="table-wrap">
        <table className="data">
          <thead><tr><th scope="col">Period</th><th scope="col" className="num">Sent</th><th scope="col" className="num">Delivered</th><th scope="col" className="num">Opened</th><th scope="col" className="num">Machine opens</th><th scope="col" className="num">Human opened</th><th scope="col" className="num">Clicked</th><th scope="col" className="num">Human clicked</th><th scope="col" className="num">Machine clicks</th><th scope="col" className="num">Replied</th><th scope="col" className="num">Bounced</th><th scope="col" className="num">{RATE_LABELS.open}</th><th scope="col" className="num">{RATE_LABELS.humanOpen}</th><th scope="col" className="num">{RATE_LABELS.click}</th><th scope="col" className="num">{RATE_LABELS.humanClick}</th></tr></thead>
          <tbody>
            {stats.series.filter((s) => s.sent || s.delivered || s.opened || s.clicked || s.replied || s.bounced).map((s) => (
              <tr key={s.period}><td>{s.period}</td><td className="num">{fmtInt(s.sent)}</td><td className="num">{fmtInt(s.delivered)}</td><td className="num">{fmtInt(s.unique_opened)}</td><td className="num">{fmtInt(s.machine_opened)}</td><td className="num">{fmtInt(s.human_opened)}</td><td className="num">{fmtInt(s.unique_clicked)}</td><td className="num">{fmtInt(s.human_clicked)}</td><td className="num">{fmtInt(s.machine_clicked)}</td><td className="num">{fmtInt(s.replied)}</td><td className="num">{fmtInt(s.bounced)}</td><td className="num">{fmtPct(s.rates.open)}</td><td className="num">{fmtPct(s.rates.humanOpen)}</td><td className="num">{fmtPct(s.rates.click)}</td><td className="num">{fmtPct(s.rates.humanClick)}</td></tr>
            ))}
          </tbody>
        </table>
      </div>
    </section>
  );
}
