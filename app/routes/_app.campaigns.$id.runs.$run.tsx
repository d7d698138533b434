import { json, type LoaderFunctionArgs, type MetaFunction } from "@remix-run/node";
import { Form, Link, useLoaderData, useSearchParams } from "@remix-run/react";
import { Kpi } from "../components/Kpi";
import { SmsCounters } from "../components/SmsCounters";
import { LinkTable } from "../components/LinkTable";
import { StatusBadge } from "../components/StatusBadge";
import { When } from "../components/Time";
import { fmtCount, fmtInt, fmtPct } from "../lib/format";
import { guarded, pathNumber, RUN_NUMBER_MAX } from "../lib/guard.server";
import { useLivePage } from "../lib/live";
import { RATE_LABELS } from "../lib/rate-labels";
import { ENGAGEMENT_OPTIONS, RECIPIENT_STATUSES, recipientQuery } from "../lib/recipient-filters";
import { usePageLink } from "../lib/paging";

export const meta: MetaFunction<typeof loader> = ({ data }) => [{ title: `Run ${data?.page.run.runNumber ?? ""} of ${data?.campaign.name ?? ""} · Herald` }];


export async function loader({ context, request, params }: LoaderFunctionArgs) {
  const campaignId = pathNumber(params.id, "campaign");
  const runNumber = pathNumber(params.run, "run", RUN_NUMBER_MAX);
  const url = new URL(request.url);
  const [campaign, page, links, smsCost] = await guarded(request, () => Promise.all([
    context.trpc.campaigns.heading({ campaignId }),
    context.trpc.campaigns.recipients({ campaignId, runNumber, page: Math.max(1, Number(url.searchParams.get("page")) || 1), pageSize: 50, ...recipientQuery(url.searchParams) }),
    context.trpc.engagement.links({ campaignId, runNumber }),
    context.trpc.campaigns.smsCost({ campaignId, runNumber }),
  ]));
  const timeline = await guarded(request, () => context.trpc.campaigns.runTimeline({ campaignId, runNumber, recipientIds: page.recipients.map((x) => x.id) }));
  return json({ campaign: { id: campaign.id, name: campaign.name }, page, timeline, links, smsCost });
}

export default function RunDetail() {
  const { campaign, page, timeline, links, smsCost } = useLoaderData<typeof loader>();
  const next = new Map(timeline.next.map((n) => [n.recipientId, n]));
  const senders = new Map<number, typeof timeline.sentFrom>();
  for (const f of timeline.sentFrom) senders.set(f.recipientId, [...(senders.get(f.recipientId) ?? []), f]);
  const run = page.run;
  const [params] = useSearchParams();
  const pages = Math.max(1, Math.ceil(page.total / page.pageSize));
  useLivePage(run.status === "SENDING" || run.status === "SCHEDULED");
  const link = usePageLink();
  const exportQuery = new URLSearchParams([...params].filter(([k]) => k !== "page"));
  return (
    <section className="stack">
      <div className="muted small"><Link to="/campaigns">Campaigns</Link> / <Link to={`/campaigns/${campaign.id}`}>{campaign.name}</Link></div>
      <div className="page-head">
        <h1>Run {run.runNumber} <StatusBadge status={run.status} /></h1>
        {page.byStatus.failed ? <a className="button" href={`/campaigns/${campaign.id}/runs/${run.runNumber}/failed.csv`} download>Export {fmtInt(page.byStatus.failed)} failed as CSV</a> : null}
      </div>
      <div className="muted small">Audience: {run.audience.replaceAll("_", " ")} · started {<When value={run.startedAt} />} · ended {<When value={run.completedAt} />}{run.failureReason ? ` · ${run.failureReason}` : ""}</div>
      <div className="kpis">
        <Kpi label="Recipients" value={fmtInt(run.recipients)} />
        <Kpi label="Scheduled messages" value={fmtInt(run.scheduledCount)} hint="emails and texts, every step" />
        <Kpi label="Emails sent" value={fmtInt(run.sent)} hint={`to ${fmtCount(run.peopleSent, "person", "people")}`} />
        <Kpi label="Failed emails" value={fmtInt(run.failed)} />
        <Kpi label={RATE_LABELS.open} value={fmtPct(run.rates.open)} hint={`${fmtInt(run.opened)} of ${fmtInt(run.rates.base.count)} ${run.rates.base.of}`} />
        <Kpi label={RATE_LABELS.click} value={fmtPct(run.rates.click)} hint={`${fmtInt(run.clicked)} of ${fmtInt(run.rates.base.count)} ${run.rates.base.of}`} />
        <Kpi label={RATE_LABELS.humanOpen} value={fmtPct(run.rates.humanOpen)} hint={`${fmtInt(run.humanOpened)} of ${fmtInt(run.rates.base.count)} ${run.rates.base.of}, machines left out`} />
        <Kpi label={RATE_LABELS.humanClick} value={fmtPct(run.rates.humanClick)} hint={`${fmtInt(run.humanClicked)} of ${fmtInt(run.rates.base.count)} ${run.rates.base.of}, machines left out`} />
        <Kpi label={RATE_LABELS.humanClickToOpen} value={fmtPct(run.rates.humanClickToOpen)} hint={`${fmtInt(run.humanClicked)} of ${fmtInt(run.humanOpened)} people who opened`} />
      </div>
      {run.smsSent || run.smsFailed ? <SmsCounters counts={run} cost={smsCost ?? undefined} title={`Text messages (SMS) of run ${run.runNumber}`} /> : null}
      {["SENDING", "SCHEDULED", "PAUSED"].includes(run.status) ? (
        <p className="card small" data-testid="estimated-finish">
          {timeline.finish.at ? <>Estimated finish: <strong><When value={timeline.finish.at} /></strong> <span className="muted">({timeline.finish.note})</span></> : timeline.finish.note}
        </p>
      ) : null}
      {timeline.steps.length ? (
        <div className="table-wrap">
          <table className="data small" aria-label="Progress per step">
            <thead><tr><th scope="col">Step</th><th scope="col">Progress</th><th scope="col" className="num">Sent</th><th scope="col" className="num">Failed</th><th scope="col" className="num">Waiting</th><th scope="col" className="num">Of</th></tr></thead>
            <tbody>{timeline.steps.map((st) => (
              <tr key={st.stepNumber}>
                <td>Step {st.stepNumber}</td>
                <td><progress max={st.total || 1} value={st.sent + st.failed} aria-label={`Step ${st.stepNumber}: ${st.sent + st.failed} of ${st.total} done`} /></td>
                <td className="num">{fmtInt(st.sent)}</td><td className="num">{fmtInt(st.failed)}</td><td className="num">{fmtInt(st.waiting)}</td><td className="num">{fmtInt(st.total)}</td>
              </tr>
            ))}</tbody>
          </table>
        </div>
      ) : null}
      <div className="muted small">Messages (emails and texts): {Object.entries(timeline.emails).map(([s, n]) => `${fmtInt(n)} ${s}`).join(" · ") || "none"}</div>
      <Form method="get" className="toolbar" role="search">
        <input type="search" name="q" defaultValue={params.get("q") ?? ""} placeholder="Search by email" aria-label="Search recipients by email" />
        <select name="status" defaultValue={params.get("status") ?? ""} aria-label="Filter recipients by status">
          <option value="">All recipients</option>
          {RECIPIENT_STATUSES.map((s) => <option key={s} value={s}>{s} ({fmtInt(page.byStatus[s] ?? 0)})</option>)}
        </select>
        <select name="did" defaultValue={params.get("did") ?? ""} aria-label="Filter recipients by what they did">
          <option value="">Whatever they did</option>
          {(Object.keys(ENGAGEMENT_OPTIONS) as Array<keyof typeof ENGAGEMENT_OPTIONS>).map((k) => <option key={k} value={k}>{ENGAGEMENT_OPTIONS[k]} ({fmtInt(page.byEngagement[k])})</option>)}
        </select>
        <button type="submit">Filter</button>
        <a className="button" href={`/campaigns/${campaign.id}/runs/${run.runNumber}/recipients.csv${exportQuery.size ? `?${exportQuery}` : ""}`} download>Export {fmtInt(page.total)} shown as CSV</a>
      </Form>
      {page.recipients.length ? (
        <div className="table-wrap">
          <table className="data" aria-label="Recipients">
            <thead><tr><th scope="col">Recipient</th><th scope="col">Status</th><th scope="col">Next send</th><th scope="col">First sent</th><th scope="col">Sent from</th><th scope="col">Opened as a person</th><th scope="col">Clicked as a person</th><th scope="col">Opened or clicked (any)</th><th scope="col">Last error</th></tr></thead>
            <tbody>
              {page.recipients.map((r) => (
                <tr key={r.id}>
                  <td>{r.leadId > 0 ? <Link to={`/leads/${r.leadId}`}>{r.email}</Link> : <span className="muted" title="This lead was deleted; its history is kept anonymised">{r.email}</span>}</td>
                  <td><StatusBadge status={r.status} /></td>
                  <td className="small recipient-why">{next.get(r.id) ? <>
                    {next.get(r.id)!.at ? <strong><When value={next.get(r.id)!.at} /></strong> : null}
                    <div className="muted" data-testid="why-waiting">{next.get(r.id)!.explanation}</div>
                  </> : <span className="muted">–</span>}</td>
                  <td className="small">{<When value={r.firstSentAt} />}</td>
                  <td className="small" data-testid="sent-from">{senders.get(r.id)?.map((f) => <div key={f.stepNumber}>{`step ${f.stepNumber} (${f.channel === "sms" ? "SMS" : "email"}): ${f.sender}`}</div>) ?? <span className="muted">–</span>}</td>
                  <td className="small">{<When value={r.humanOpenedAt} />}</td>
                  <td className="small">{<When value={r.humanClickedAt} />}</td>
                  <td className="small">{r.firstOpenedAt || r.firstClickedAt ? <><When value={r.firstOpenedAt} />{r.firstClickedAt ? <> · clicked <When value={r.firstClickedAt} /></> : null}</> : "–"}</td>
                  <td className="small">{r.lastError ?? ""}</td>
                </tr>
              ))}
            </tbody>
          </table>
        </div>
      ) : <div className="empty"><p>No recipients match.</p></div>}
      <LinkTable links={links} caption={`Links of run ${run.runNumber}`} />
      {pages > 1 ? (
        <nav className="pager" aria-label="Pages">
          {page.page > 1 ? <Link to={link(page.page - 1)}>← Previous</Link> : <span />}
          <span>Page {page.page} of {pages}</span>
          {page.page < pages ? <Link to={link(page.page + 1)}>Next →</Link> : <span />}
        </nav>
      ) : null}
    </section>
  );
}

export { RouteErrorBoundary as ErrorBoundary } from "../components/RouteError";
