import { json, type ActionFunctionArgs, type LoaderFunctionArgs, type MetaFunction } from "@remix-run/node";
import { Form, useActionData, useLoaderData } from "@remix-run/react";
import { Kpi } from "../components/Kpi";
import { When, Ago } from "../components/Time";
import { fmtInt } from "../lib/format";
import { attempt, guarded } from "../lib/guard.server";

export const meta: MetaFunction = () => [{ title: "Airtable sync · Herald" }];

export async function loader({ context, request }: LoaderFunctionArgs) {
  return json({ bases: await guarded(request, () => context.trpc.sync.state()), canEdit: context.user?.role !== "viewer" });
}

export async function action({ context }: ActionFunctionArgs) {
  const r = await attempt(() => context.trpc.sync.now());
  return json(r.ok ? { ok: true, message: "A sync round is queued; it runs within seconds." } : { ok: false, message: r.error });
}

const titles = { control: "Control base (Campaigns)", performance: "Performance base (KPIs)" } as const;

export default function Sync() {
  const { bases, canEdit } = useLoaderData<typeof loader>();
  const result = useActionData<typeof action>();
  const any = bases.some((b) => b.configured);
  return (
    <section className="stack">
      <div className="page-head">
        <h1>Airtable sync</h1>
        {canEdit && any ? <Form method="post"><button type="submit" className="primary">Sync now</button></Form> : null}
      </div>
      {result ? <p role={result.ok ? "status" : "alert"} className={result.ok ? "notice" : "error"}>{result.message}</p> : null}
      {!any ? (
        <div className="empty">
          <h2>Sync is off</h2>
          <p>Set <code>AIRTABLE_TOKEN</code> with <code>AIRTABLE_CONTROL_BASE_ID</code> and/or <code>AIRTABLE_PERFORMANCE_BASE_ID</code>, then run <code>npx herald airtable init</code>.</p>
          <p>To see the bridge work without an account: <code>HERALD_AIRTABLE_SANDBOX=1 npm start</code>.</p>
        </div>
      ) : null}
      {bases.filter((b) => b.configured).map((b) => (
        <div className="card stack" key={b.base}>
          <h2>{titles[b.base]}</h2>
          <div className="kpis">
            {b.base === "control" ? <Kpi label="Last pull" value={<Ago value={b.lastPullAt} />} hint={<When value={b.lastPullAt} />} /> : null}
            <Kpi label="Last push" value={<Ago value={b.lastPushAt} />} hint={<When value={b.lastPushAt} />} />
            <Kpi label="Waiting to push" value={fmtInt(b.queued)} hint={b.retrying ? `${fmtInt(b.retrying)} retrying` : "records"} />
          </div>
          {b.lastError ? <p className="error small">Last error {<Ago value={b.lastErrorAt} />}: {b.lastError}</p> : null}
          {b.setAside.length ? (
            <div className="table-wrap">
              <h3>Set aside: Airtable refused these records (the others went through)</h3>
              <table className="data">
                <thead><tr><th scope="col">Record</th><th scope="col">Campaign</th><th scope="col">Reason</th><th scope="col">Next try</th></tr></thead>
                <tbody>{b.setAside.map((a) => (
                  <tr key={a.recordKey}>
                    <td className="small"><code>{a.recordId ?? a.recordKey}</code></td>
                    <td className="small">{a.campaignId ? <a href={`/campaigns/${a.campaignId}`}>{a.campaignName ?? `#${a.campaignId}`}</a> : "–"}</td>
                    <td className="small">{a.reason}</td>
                    <td className="small">{<Ago value={a.retryAt} />}</td>
                  </tr>
                ))}</tbody>
              </table>
            </div>
          ) : null}
          {b.recent.length ? (
            <div className="table-wrap">
              <table className="data">
                <thead><tr><th scope="col">When</th><th scope="col">What happened</th></tr></thead>
                <tbody>{b.recent.map((l, i) => <tr key={i}><td className="small">{<When value={l.created_at} />}</td><td className="small"><span className={`badge badge-${l.level === "error" ? "failed" : "paused"}`}>{l.level}</span> {l.message}</td></tr>)}</tbody>
              </table>
            </div>
          ) : <p className="muted small">No problems recorded.</p>}
        </div>
      ))}
    </section>
  );
}

export { RouteErrorBoundary as ErrorBoundary } from "../components/RouteError";
