import { json, type LoaderFunctionArgs, type MetaFunction } from "@remix-run/node";
import { Form, Link, useLoaderData, useLocation } from "@remix-run/react";
import { Kpi } from "../components/Kpi";
import { SeriesChart } from "../components/SeriesChart";
import { rangeFromUrl } from "../lib/analytics-range.server";
import { fmtInt, fmtPct } from "../lib/format";
import { attempt, guarded } from "../lib/guard.server";
import { RATE_LABELS } from "../lib/rate-labels";
import { formatCost } from "../../shared/money";
import { SMS_LABELS } from "../../shared/sms-rates";

export const meta: MetaFunction = () => [{ title: "Analytics · Herald" }];
const granularities = ["day", "week", "month"] as const;

export async function loader({ context, request }: LoaderFunctionArgs) {
  const range = rangeFromUrl(new URL(request.url));
  const { granularity, from, to, campaignId, runNumber } = range;
  const [campaigns, runs] = await guarded(request, () => Promise.all([
    context.trpc.campaigns.list({ pageSize: 200, archived: "all" }),
    campaignId ? context.trpc.campaigns.runs({ campaignId }) : Promise.resolve([]),
  ]));
  const runId = runs.find((r) => r.runNumber === runNumber)?.id;
  // A range the server refuses (it ends before it starts) is said on the page, inside the layout, with the form to fix it.
  const stats = await attempt(() => context.trpc.stats.series({ campaignId, runId, from, to, granularity }));
  if (!stats.ok && stats.code === "UNAUTHORIZED") await guarded(request, () => context.trpc.stats.series({ campaignId, runId, from, to, granularity }));
  return json({
    stats: stats.ok ? stats.value : null,
    problems: stats.ok ? range.problems : [...range.problems, stats.error],
    range: { from, to, granularity },
    campaigns: campaigns.campaigns.map((c) => ({ id: c.id, name: c.name })), runs: runs.map((r) => r.runNumber), campaignId, runNumber,
  }, { status: stats.ok ? 200 : 400 });
}

export default function Analytics() {
  const { stats, problems, range, campaigns, runs, campaignId, runNumber } = useLoaderData<typeof loader>();
  const { search } = useLocation();
  return (
    <section className="stack">
      <div className="page-head">
        <h1>Analytics</h1>
        {stats ? <Link reloadDocument to={`/analytics.csv${search}`} download>Download CSV</Link> : null}
      </div>
      <Form method="get" className="toolbar" aria-label="Analytics filters">
        <select name="campaign" defaultValue={campaignId ?? ""} aria-label="Campaign"><option value="">All campaigns</option>{campaigns.map((c) => <option key={c.id} value={c.id}>{c.name}</option>)}</select>
        {runs.length ? <select name="run" defaultValue={runNumber ?? ""} aria-label="Run"><option value="">All runs</option>{runs.map((r) => <option key={r} value={r}>Run {r}</option>)}</select> : null}
        <div className="row" role="group" aria-label="Granularity">
          {granularities.map((g) => <label key={g} className="inline"><input type="radio" name="g" value={g} defaultChecked={range.granularity === g} /> {g}</label>)}
        </div>
        <label className="inline">From <input type="date" name="from" defaultValue={range.from} /></label>
        <label className="inline">To <input type="date" name="to" defaultValue={range.to} /></label>
        <button type="submit">Show</button>
      </Form>
      {problems.map((p) => <p key={p} role="alert" className="error">{p}</p>)}
      {stats ? <Figures stats={stats} /> : null}
    </section>
  );
}

type Stats = NonNullable<ReturnType<typeof useLoaderData<typeof loader>>["stats"]>;

function Figures({ stats }: { stats: Stats }) {
  const t = stats.totals;
  const data = stats.series.map((s) => ({ period: s.period, sent: s.sent, delivered: s.delivered, opened: s.unique_opened, humanOpened: s.human_opened, clicked: s.unique_clicked, humanClicked: s.human_clicked, replied: s.replied }));
  const rows = stats.series.filter((s) => s.sent || s.delivered || s.opened || s.clicked || s.replied || s.bounced);
  return (
    <>
      <div className="kpis">
        <Kpi label="Emails sent" value={fmtInt(t.sent)} />
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
        <h2>Emails sent and delivered</h2>
        <SeriesChart title="Emails sent and delivered per period" data={data} granularity={stats.granularity} kind="bars" series={[
          { key: "sent", label: "sent", color: "#3451d1" },
          { key: "delivered", label: "delivered", color: "#7fa0e8" },
        ]} />
      </div>
      <div className="card stack">
        <h2>People who engaged</h2>
        <SeriesChart title="People who opened, clicked and replied per period" data={data} granularity={stats.granularity} kind="lines" series={[
          { key: "opened", label: "opened", color: "#1c7c4a" },
          { key: "humanOpened", label: "opened as a person", color: "#0f5132" },
          { key: "clicked", label: "clicked", color: "#a86700" },
          { key: "humanClicked", label: "clicked as a person", color: "#6b4200" },
          { key: "replied", label: "replied", color: "#6235b5" },
        ]} />
      </div>
      {rows.length ? (
        <div className="table-wrap">
          <table className="data" aria-label="Emails per period">
            <thead><tr><th scope="col">Period</th><th scope="col" className="num">Sent</th><th scope="col" className="num">Delivered</th><th scope="col" className="num">Opened</th><th scope="col" className="num">Machine opens</th><th scope="col" className="num">Human opened</th><th scope="col" className="num">Clicked</th><th scope="col" className="num">Human clicked</th><th scope="col" className="num">Machine clicks</th><th scope="col" className="num">Replied</th><th scope="col" className="num">Bounced</th><th scope="col" className="num">{RATE_LABELS.open}</th><th scope="col" className="num">{RATE_LABELS.humanOpen}</th><th scope="col" className="num">{RATE_LABELS.click}</th><th scope="col" className="num">{RATE_LABELS.humanClick}</th></tr></thead>
            <tbody>
              {rows.map((s) => (
                <tr key={s.period}><td>{s.period}</td><td className="num">{fmtInt(s.sent)}</td><td className="num">{fmtInt(s.delivered)}</td><td className="num">{fmtInt(s.unique_opened)}</td><td className="num">{fmtInt(s.machine_opened)}</td><td className="num">{fmtInt(s.human_opened)}</td><td className="num">{fmtInt(s.unique_clicked)}</td><td className="num">{fmtInt(s.human_clicked)}</td><td className="num">{fmtInt(s.machine_clicked)}</td><td className="num">{fmtInt(s.replied)}</td><td className="num">{fmtInt(s.bounced)}</td><td className="num">{fmtPct(s.rates.open)}</td><td className="num">{fmtPct(s.rates.humanOpen)}</td><td className="num">{fmtPct(s.rates.click)}</td><td className="num">{fmtPct(s.rates.humanClick)}</td></tr>
              ))}
            </tbody>
          </table>
        </div>
      ) : null}
      <TextMessages stats={stats} />
    </>
  );
}

/** Text messages per period: counts, the rates over people texted (each label says its base) and what Twilio charged. */
function TextMessages({ stats }: { stats: Stats }) {
  const t = stats.totals;
  const rows = stats.series.filter((s) => s.sms_sent || s.sms_failed || s.sms_delivered || s.sms_replied || s.sms_opted_out || s.smsCost.length);
  if (!rows.length) return null;
  const data = stats.series.map((s) => ({ period: s.period, texts: s.sms_sent, delivered: s.sms_delivered, failed: s.sms_failed, texted: s.people_texted, replied: s.sms_replied, optedOut: s.sms_opted_out }));
  const ofPeople = `of ${fmtInt(t.people_texted)} people texted`;
  return (
    <section className="stack" aria-label="Text messages (SMS)">
      <h2>Text messages (SMS)</h2>
      <div className="kpis">
        <Kpi label="People texted" value={fmtInt(t.people_texted)} hint="first texted in the range" />
        <Kpi label="Texts sent" value={fmtInt(t.sms_sent)} hint={`${fmtInt(t.sms_delivered)} delivered, ${fmtInt(t.sms_failed)} failed`} />
        <Kpi label={SMS_LABELS.delivery} value={fmtPct(stats.smsRates.delivery)} hint={`${fmtInt(t.people_text_delivered)} ${ofPeople}`} />
        <Kpi label={SMS_LABELS.reply} value={fmtPct(stats.smsRates.reply)} hint={`${fmtInt(t.sms_replied)} ${ofPeople}`} />
        <Kpi label={SMS_LABELS.optOut} value={fmtPct(stats.smsRates.optOut)} hint={`${fmtInt(t.sms_opted_out)} ${ofPeople}`} />
        <Kpi label={SMS_LABELS.deliveryPerText} value={fmtPct(stats.smsRates.perText.delivery)} hint={`${fmtInt(t.sms_delivered)} of ${fmtInt(t.sms_sent)} texts sent`} />
        <Kpi label="SMS cost" value={formatCost(stats.smsCost)} hint={`${fmtInt(stats.smsCost.reduce((n, c) => n + c.texts, 0))} texts priced by Twilio`} />
      </div>
      <div className="card stack">
        <SeriesChart title="Texts sent, delivered and failed per period" data={data} granularity={stats.granularity} kind="bars" series={[
          { key: "texts", label: "texts sent", color: "#3451d1" },
          { key: "delivered", label: "delivered", color: "#7fa0e8" },
          { key: "failed", label: "failed", color: "#b42318" },
        ]} />
        <SeriesChart title="People texted, who replied and who opted out per period" data={data} granularity={stats.granularity} kind="lines" series={[
          { key: "texted", label: "people texted", color: "#1c7c4a" },
          { key: "replied", label: "replied", color: "#6235b5" },
          { key: "optedOut", label: "opted out", color: "#a86700" },
        ]} />
      </div>
      <div className="table-wrap">
        <table className="data" aria-label="Text messages per period">
          <thead><tr><th scope="col">Period</th><th scope="col" className="num">People texted</th><th scope="col" className="num">Texts sent</th><th scope="col" className="num">Delivered</th><th scope="col" className="num">Failed</th><th scope="col" className="num">Replies (people)</th><th scope="col" className="num">Opt-outs (people)</th><th scope="col" className="num">{SMS_LABELS.delivery}</th><th scope="col" className="num">{SMS_LABELS.optOut}</th><th scope="col" className="num">Cost</th></tr></thead>
          <tbody>
            {rows.map((s) => (
              <tr key={s.period}><td>{s.period}</td><td className="num">{fmtInt(s.people_texted)}</td><td className="num">{fmtInt(s.sms_sent)}</td><td className="num">{fmtInt(s.sms_delivered)}</td><td className="num">{fmtInt(s.sms_failed)}</td><td className="num">{fmtInt(s.sms_replied)}</td><td className="num">{fmtInt(s.sms_opted_out)}</td><td className="num">{fmtPct(s.smsRates.delivery)}</td><td className="num">{fmtPct(s.smsRates.optOut)}</td><td className="num">{formatCost(s.smsCost)}</td></tr>
            ))}
          </tbody>
        </table>
      </div>
    </section>
  );
}

export { RouteErrorBoundary as ErrorBoundary } from "../components/RouteError";
