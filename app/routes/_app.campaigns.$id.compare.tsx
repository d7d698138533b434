import { json, type LoaderFunctionArgs, type MetaFunction } from "@remix-run/node";
import { Form, Link, useLoaderData } from "@remix-run/react";
import { StatusBadge } from "../components/StatusBadge";
import { When } from "../components/Time";
import { fmtInt, fmtPct } from "../lib/format";
import { guarded } from "../lib/guard.server";
import { RATE_LABELS } from "../lib/rate-labels";
import { AUDIENCE_LABELS } from "../../shared/run-audiences";
import { SMS_LABELS, smsRatesOf } from "../../shared/sms-rates";

export const meta: MetaFunction = () => [{ title: "Compare runs · Herald" }];

export async function loader({ context, request, params }: LoaderFunctionArgs) {
  const campaignId = Number(params.id);
  const url = new URL(request.url);
  const [campaign, runs] = await guarded(request, () => Promise.all([context.trpc.campaigns.get({ campaignId }), context.trpc.campaigns.runs({ campaignId })]));
  const pick = (key: string, fallback: number | undefined) => runs.find((r) => r.runNumber === Number(url.searchParams.get(key))) ?? runs.find((r) => r.runNumber === fallback);
  return json({ campaign: { id: campaign.id, name: campaign.name }, runs: runs.map((r) => r.runNumber), a: pick("a", runs[1]?.runNumber), b: pick("b", runs[0]?.runNumber) });
}

const rows = [
  ["Recipients", (r: Run) => fmtInt(r.recipients), (r: Run) => r.recipients],
  ["Emails sent", (r: Run) => fmtInt(r.sent), (r: Run) => r.sent],
  ["Emails failed", (r: Run) => fmtInt(r.failed), (r: Run) => -r.failed],
  ["Delivered", (r: Run) => fmtInt(r.delivered), (r: Run) => r.delivered],
  ["Opened", (r: Run) => fmtInt(r.opened), (r: Run) => r.opened],
  ["Clicked", (r: Run) => fmtInt(r.clicked), (r: Run) => r.clicked],
  ["Replied", (r: Run) => fmtInt(r.replied), (r: Run) => r.replied],
  [RATE_LABELS.open, (r: Run) => fmtPct(r.rates.open), (r: Run) => r.rates.open ?? 0],
  [RATE_LABELS.humanOpen, (r: Run) => fmtPct(r.rates.humanOpen), (r: Run) => r.rates.humanOpen ?? 0],
  [RATE_LABELS.click, (r: Run) => fmtPct(r.rates.click), (r: Run) => r.rates.click ?? 0],
  [RATE_LABELS.humanClick, (r: Run) => fmtPct(r.rates.humanClick), (r: Run) => r.rates.humanClick ?? 0],
  [RATE_LABELS.bounce, (r: Run) => fmtPct(r.rates.bounce), (r: Run) => -(r.rates.bounce ?? 0)],
] as const;
/** Text messages (decision 047), when either run sent any: people texted and the rates over them. */
const smsRows = [
  ["People texted", (r: Run) => fmtInt(r.peopleTexted), (r: Run) => r.peopleTexted],
  ["Texts sent", (r: Run) => fmtInt(r.smsSent), (r: Run) => r.smsSent],
  [SMS_LABELS.delivery, (r: Run) => fmtPct(smsRatesOf(r).delivery), (r: Run) => smsRatesOf(r).delivery ?? 0],
  [SMS_LABELS.optOut, (r: Run) => fmtPct(smsRatesOf(r).optOut), (r: Run) => -(smsRatesOf(r).optOut ?? 0)],
] as const;
type Run = NonNullable<ReturnType<typeof useLoaderData<typeof loader>>["a"]>;

export default function CompareRuns() {
  const { campaign, runs, a, b } = useLoaderData<typeof loader>();
  return (
    <section className="stack">
      <div className="muted small"><Link to="/campaigns">Campaigns</Link> / <Link to={`/campaigns/${campaign.id}`}>{campaign.name}</Link></div>
      <h1>Compare runs</h1>
      <Form method="get" className="toolbar">
        <label className="inline">Run <select name="a" defaultValue={a?.runNumber}>{runs.map((n) => <option key={n} value={n}>{n}</option>)}</select></label>
        <label className="inline">with run <select name="b" defaultValue={b?.runNumber}>{runs.map((n) => <option key={n} value={n}>{n}</option>)}</select></label>
        <button type="submit">Compare</button>
      </Form>
      {a && b ? (
        <div className="table-wrap">
          <table className="data compare">
            <thead><tr><th scope="col"></th><th scope="col" className="num">Run {a.runNumber} <StatusBadge status={a.status} /></th><th scope="col" className="num">Run {b.runNumber} <StatusBadge status={b.status} /></th></tr></thead>
            <tbody>
              <tr><th scope="row">Started</th><td className="num small">{<When value={a.startedAt} />}</td><td className="num small">{<When value={b.startedAt} />}</td></tr>
              <tr><th scope="row">Audience</th><td className="num small">{AUDIENCE_LABELS[a.audience] ?? a.audience}</td><td className="num small">{AUDIENCE_LABELS[b.audience] ?? b.audience}</td></tr>
              {[...rows, ...(a.smsSent + a.smsFailed + b.smsSent + b.smsFailed ? smsRows : [])].map(([label, show, score]) => (
                <tr key={label}>
                  <th scope="row">{label}</th>
                  <td className="num">{show(a)}</td>
                  <td className={`num ${score(b) > score(a) ? "delta-up" : score(b) < score(a) ? "delta-down" : ""}`}>{show(b)}</td>
                </tr>
              ))}
            </tbody>
          </table>
        </div>
      ) : <div className="empty"><p>This campaign needs two runs to compare.</p></div>}
    </section>
  );
}

export { RouteErrorBoundary as ErrorBoundary } from "../components/RouteError";
