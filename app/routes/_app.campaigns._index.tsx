import { json, type LoaderFunctionArgs, type MetaFunction } from "@remix-run/node";
import { Form, Link, useLoaderData, useSearchParams } from "@remix-run/react";
import { StatusBadge } from "../components/StatusBadge";
import { Ago } from "../components/Time";
import { fmtInt, fmtPct } from "../lib/format";
import { guarded } from "../lib/guard.server";
import { RATE_LABELS } from "../lib/rate-labels";
import { SMS_LABELS } from "../../shared/sms-rates";
import { usePageLink } from "../lib/paging";

export const meta: MetaFunction = () => [{ title: "Campaigns · Herald" }];

const statuses = ["draft", "scheduled", "running", "paused", "completed", "cancelled", "failed"] as const;
type Status = (typeof statuses)[number];

export async function loader({ context, request }: LoaderFunctionArgs) {
  const url = new URL(request.url);
  const status = url.searchParams.get("status");
  const page = Math.max(1, Number(url.searchParams.get("page")) || 1);
  const list = await guarded(request, () =>
    context.trpc.campaigns.list({
      status: statuses.includes(status as Status) ? (status as Status) : undefined,
      search: url.searchParams.get("q") || undefined,
      page,
      pageSize: 50,
      archived: url.searchParams.get("archived") === "only" ? "only" : "hide",
    }),
  );
  return json({ ...list, canEdit: context.user?.role !== "viewer" });
}

export default function Campaigns() {
  const data = useLoaderData<typeof loader>();
  const { canEdit } = data;
  const [params] = useSearchParams();
  const pages = Math.max(1, Math.ceil(data.total / data.pageSize));
  const pageLink = usePageLink();
  return (
    <section className="stack">
      <div className="page-head">
        <h1>Campaigns</h1>
        {canEdit ? <Link to="/campaigns/new" className="button primary">New campaign</Link> : null}
      </div>
      <Form method="get" className="toolbar" role="search">
        <input type="search" name="q" placeholder="Search by name" defaultValue={params.get("q") ?? ""} aria-label="Search campaigns by name" />
        <select name="status" defaultValue={params.get("status") ?? ""} aria-label="Filter by status">
          <option value="">All statuses</option>
          {statuses.map((s) => (
            <option key={s} value={s}>{s} ({data.byStatus[s] ?? 0})</option>
          ))}
        </select>
        <label className="inline"><input type="checkbox" name="archived" value="only" defaultChecked={params.get("archived") === "only"} /> Archived only ({fmtInt(data.archivedCount)})</label>
        <button type="submit">Apply</button>
      </Form>
      {data.campaigns.length === 0 ? (
        <div className="empty">
          <h2>No campaigns match</h2>
          <p>{params.get("q") || params.get("status") ? "Try another search or status." : "Create your first campaign to start sending."}</p>
        </div>
      ) : (
        <div className="table-wrap">
          <table className="data">
            <thead>
              <tr>
                <th scope="col">Campaign</th>
                <th scope="col">Status</th>
                <th scope="col">Current run</th>
                <th scope="col" className="num">Emails sent (lifetime)</th>
                <th scope="col" className="num">{RATE_LABELS.open}</th>
                <th scope="col" className="num">{RATE_LABELS.humanOpen}</th>
                <th scope="col" className="num">{RATE_LABELS.click}</th>
                <th scope="col" className="num">{RATE_LABELS.humanClick}</th>
                <th scope="col" className="num">Texts sent (lifetime)</th>
                <th scope="col" className="num">{SMS_LABELS.delivery}</th>
                <th scope="col" className="num">{SMS_LABELS.optOut}</th>
                <th scope="col">Last run</th>
              </tr>
            </thead>
            <tbody>
              {data.campaigns.map((c) => (
                <tr key={c.id}>
                  <td>
                    <Link to={`/campaigns/${c.id}`} className="strong">{c.name}</Link>
                    <div className="muted small">{c.kind} · changed via {c.statusSource} {<Ago value={c.statusChangedAt} />}</div>
                  </td>
                  <td><StatusBadge status={c.status} />{c.archivedAt ? <> <span className="badge">archived</span></> : null}</td>
                  <td>
                    {c.run ? (
                      <>
                        <div>Run {c.run.runNumber} <span className="muted small">{c.run.status.toLowerCase()}</span></div>
                        <progress max={c.run.scheduledCount || 1} value={c.run.sent + c.run.failed + c.run.smsSent + c.run.smsFailed} aria-label={`Run ${c.run.runNumber} progress`} />
                        <div className="muted small">{fmtInt(c.run.sent + c.run.smsSent)} sent · {c.run.neverSent ? `${fmtInt(c.run.neverSent)} not sent (${c.run.status.toLowerCase()})` : `${fmtInt(c.run.remaining)} left`} of {fmtInt(c.run.scheduledCount)} messages</div>
                      </>
                    ) : (
                      <span className="muted">Not run yet</span>
                    )}
                  </td>
                  <td className="num">{fmtInt(c.sent)}</td>
                  <td className="num">{fmtPct(c.rates.open)}</td>
                  <td className="num" data-testid="human-open-rate">{fmtPct(c.rates.humanOpen)}</td>
                  <td className="num">{fmtPct(c.rates.click)}</td>
                  <td className="num" data-testid="human-click-rate">{fmtPct(c.rates.humanClick)}</td>
                  <td className="num" data-testid="sms-sent">{fmtInt(c.smsSent)}</td>
                  <td className="num" data-testid="sms-delivery-rate">{fmtPct(c.smsRates.delivery)}</td>
                  <td className="num" data-testid="sms-opt-out-rate">{fmtPct(c.smsRates.optOut)}</td>
                  <td className="small">{c.lastRunResult ?? <span className="muted">–</span>}</td>
                </tr>
              ))}
            </tbody>
          </table>
        </div>
      )}
      {pages > 1 ? (
        <nav className="pager" aria-label="Pages">
          {data.page > 1 ? <Link to={pageLink(data.page - 1)}>← Previous</Link> : <span />}
          <span>Page {data.page} of {pages} · {fmtInt(data.total)} campaigns</span>
          {data.page < pages ? <Link to={pageLink(data.page + 1)}>Next →</Link> : <span />}
        </nav>
      ) : null}
    </section>
  );
}

export { RouteErrorBoundary as ErrorBoundary } from "../components/RouteError";
