import { json, redirect, type ActionFunctionArgs, type LoaderFunctionArgs, type MetaFunction } from "@remix-run/node";
import { Form, Link, useActionData, useLoaderData } from "@remix-run/react";
import { ConfirmSubmit } from "../components/ConfirmForm";
import { When } from "../components/Time";
import { StatusBadge } from "../components/StatusBadge";
import { attempt, guarded } from "../lib/guard.server";

export const meta: MetaFunction<typeof loader> = ({ data }) => [{ title: `${data?.lead.email ?? "Lead"} · Herald` }];

export async function loader({ context, request, params }: LoaderFunctionArgs) {
  const [lead, lists] = await guarded(request, () => Promise.all([context.trpc.leads.get({ id: Number(params.id) || 0 }), context.trpc.lists.list()]));
  return json({ lead, lists, canEdit: context.user?.role !== "viewer" });
}

export async function action({ context, request, params }: ActionFunctionArgs) {
  const id = Number(params.id) || 0;
  const form = await request.formData();
  if (form.get("intent") === "delete") {
    const result = await attempt(() => context.trpc.leads.delete({ id }));
    return result.ok ? redirect(`/leads?deleted=${encodeURIComponent(result.value.email)}`) : json({ ok: false as const, message: result.error }, { status: 409 });
  }
  const result = await attempt(() => context.trpc.leads.update({ id, fields: {
    email: String(form.get("email") ?? ""), firstName: String(form.get("firstName") ?? ""), lastName: String(form.get("lastName") ?? ""),
    company: String(form.get("company") ?? ""), timeZone: String(form.get("timeZone") ?? ""), phone: String(form.get("phone") ?? ""), listIds: form.getAll("listIds").map(Number),
  } }));
  return result.ok ? json({ ok: true as const, message: "Saved. Runs already under way keep what they started with." }) : json({ ok: false as const, message: result.error }, { status: 400 });
}

export default function LeadPage() {
  const { lead, lists, canEdit } = useLoaderData<typeof loader>();
  const result = useActionData<typeof action>();
  const name = [lead.firstName, lead.lastName].filter(Boolean).join(" ");
  return (
    <section className="stack">
      <div className="muted small"><Link to="/leads">Leads</Link></div>
      <h1>{name || lead.email} <StatusBadge status={lead.status} /></h1>
      {result ? <p role={result.ok ? "status" : "alert"} className={result.ok ? "notice" : "error"}>{result.message}</p> : null}
      <div className="grid">
        <div className="card">
          <dl className="facts">
            <dt>Email</dt><dd>{lead.email}</dd>
            <dt>Company</dt><dd>{lead.company ?? "–"}</dd>
            <dt>Phone</dt><dd>{lead.phone ?? "– (SMS steps skip this lead)"}</dd>
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
      {canEdit ? (
        <details className="card" open={result?.ok === false ? true : undefined}>
          <summary className="strong">Edit this lead</summary>
          <Form method="post" className="stack" aria-label="Edit lead">
            <div className="grid">
              <label>Email<input name="email" type="email" required defaultValue={lead.email} /></label>
              <label>First name<input name="firstName" defaultValue={lead.firstName ?? ""} /></label>
              <label>Last name<input name="lastName" defaultValue={lead.lastName ?? ""} /></label>
              <label>Company<input name="company" defaultValue={lead.company ?? ""} /></label>
              <label>Phone<input name="phone" type="tel" defaultValue={lead.phone ?? ""} placeholder="+44 20 7946 0018" /></label>
              <label>Time zone<input name="timeZone" defaultValue={lead.timeZone ?? ""} placeholder="empty = the campaign's" /></label>
            </div>
            <fieldset className="row">
              <legend>Lists</legend>
              {lists.map((l) => <label key={l.id} className="inline"><input type="checkbox" name="listIds" value={l.id} defaultChecked={lead.lists.some((m) => m.id === l.id)} /> {l.name}</label>)}
            </fieldset>
            <div className="row">
              <button type="submit" className="primary">Save lead</button>
            </div>
          </Form>
          <Form method="post" className="row" style={{ marginTop: "1rem" }}>
            <input type="hidden" name="intent" value="delete" />
            <ConfirmSubmit label="Delete lead" className="danger" confirm={{
              title: `Delete ${lead.email}?`,
              body: "The lead and its list memberships are deleted. Its runs keep their counts and events, with the address replaced and IPs and browsers removed. A suppression stays, so the address is still never mailed.",
              confirmLabel: "Delete lead", keepLabel: "Keep the lead",
            }} />
          </Form>
        </details>
      ) : null}
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
