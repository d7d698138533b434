import { json, type LoaderFunctionArgs, type MetaFunction } from "@remix-run/node";
import { When } from "../components/Time";
import { Link, useLoaderData } from "@remix-run/react";
import { StatusBadge } from "../components/StatusBadge";
import { guarded } from "../lib/guard.server";

export const meta: MetaFunction<typeof loader> = ({ data }) => [{ title: `${data?.lead.email ?? "Lead"} · Herald` }];

export async function loader({ context, request, params }: LoaderFunctionArgs) {
  return json({ lead: await guarded(request, () => context.trpc.leads.get({ id: Number(params.id) })) });
}

export default function LeadPage() {
  const { lead } = useLoaderData<typeof loader>();
  const name = [lead.firstName, lead.lastName].filter(Boolean).join(" ");
  return (
    <section className="stack">
      <div className="muted small"><Link to="/leads">Leads</Link></div>
      <h1>{name || lead.email} <StatusBadge status={lead.status} /></h1>
      <div className="grid">
        <div className="card">
          <dl className="facts">
            <dt>Email</dt><dd>{lead.email}</dd>
            <dt>Company</dt><dd>{lead.company ?? "–"}</dd>
            <dt>Time zone</dt><dd>{lead.timeZone ?? "the campaign's"}</dd>
            <dt>Lists</dt><dd>{lead.lists.map((l) => l.name).join(", ") || "–"}</dd>
            {lead.suppression ? <><dt>Suppressed</dt><dd className="error">{lead.suppression.reason.replace("_", " ")} since {<When value={lead.suppression.created_at} />}</dd></> : null}
            {Object.entries(lead.attributes).map(([k, v]) => <div key={k} style={{ display: "contents" }}><dt>{k}</dt><dd>{v}</dd></div>)}
          </dl>
        </div>
        <div className="card stack">
          <h2>Runs that mailed this lead</h2>
          {lead.runs.length ? (
            <ul className="stack" style={{ margin: 0, paddingLeft: "1.2rem" }}>
              {lead.runs.map((r) => <li key={`${r.campaign_id}-${r.run_number}`}><Link to={`/campaigns/${r.campaign_id}/runs/${r.run_number}`}>{r.campaign} · run {r.run_number}</Link> <StatusBadge status={r.status} /></li>)}
            </ul>
          ) : <p className="muted">Not in any run yet.</p>}
        </div>
      </div>
      <h2>Timeline</h2>
      {lead.events.length ? (
        <div className="table-wrap">
          <table className="data">
            <thead><tr><th scope="col">When</th><th scope="col">What</th><th scope="col">Campaign</th><th scope="col">Details</th></tr></thead>
            <tbody>
              {lead.events.map((e, i) => (
                <tr key={i}>
                  <td className="small">{<When value={e.occurred_at} />}</td>
                  <td><StatusBadge status={e.type} />{e.machine ? <span className="muted small"> machine</span> : null}</td>
                  <td className="small"><Link to={`/campaigns/${e.campaign_id}`}>{e.campaign}</Link> · run {e.run_number}</td>
                  <td className="small">{typeof e.data.link === "string" ? e.data.link : typeof e.data.error === "string" ? e.data.error : e.data.step ? `step ${String(e.data.step)}` : ""}</td>
                </tr>
              ))}
            </tbody>
          </table>
        </div>
      ) : <div className="empty"><p>Nothing has happened with this lead yet.</p></div>}
    </section>
  );
}

export { RouteErrorBoundary as ErrorBoundary } from "../components/RouteError";
