import { json, unstable_parseMultipartFormData, unstable_createMemoryUploadHandler, type ActionFunctionArgs, type LoaderFunctionArgs, type MetaFunction } from "@remix-run/node";
import { Form, Link, useActionData, useLoaderData, useNavigation } from "@remix-run/react";
import { fmtInt } from "../lib/format";
import { attempt, guarded } from "../lib/guard.server";

export const meta: MetaFunction = () => [{ title: "Leads and lists · Herald" }];

export async function loader({ context, request }: LoaderFunctionArgs) {
  const q = new URL(request.url).searchParams.get("q") || undefined;
  const [lists, found] = await guarded(request, () => Promise.all([context.trpc.lists.list(), q ? context.trpc.leads.search({ q }) : Promise.resolve(null)]));
  return json({ lists, found, q, canEdit: context.user?.role !== "viewer" });
}

export async function action({ context, request }: ActionFunctionArgs) {
  const form = await unstable_parseMultipartFormData(request, unstable_createMemoryUploadHandler({ maxPartSize: 50_000_000 }));
  const file = form.get("file");
  if (!(file instanceof Blob) || file.size === 0) return json({ error: "Choose a CSV file to import.", report: null }, { status: 400 });
  const csv = await file.text();
  const result = await attempt(() => context.trpc.leads.importCsv({ csv, listName: String(form.get("listName") ?? "") }));
  return result.ok ? json({ error: null, report: result.value }) : json({ error: result.error, report: null }, { status: 400 });
}

export default function Leads() {
  const { lists, found, q, canEdit } = useLoaderData<typeof loader>();
  const data = useActionData<typeof action>();
  const busy = useNavigation().state === "submitting";
  const r = data?.report;
  return (
    <section className="stack">
      <h1>Leads and lists</h1>
      <Form method="get" className="toolbar" role="search">
        <input type="search" name="q" defaultValue={q ?? ""} placeholder="Find a lead by email, name or company" aria-label="Find a lead" />
        <button type="submit">Find</button>
      </Form>
      {found ? (
        found.leads.length ? (
          <div className="table-wrap">
            <table className="data">
              <thead><tr><th scope="col">Lead</th><th scope="col">Company</th><th scope="col">Status</th></tr></thead>
              <tbody>{found.leads.map((l) => <tr key={l.id}><td><Link to={`/leads/${l.id}`} className="strong">{l.email}</Link><div className="muted small">{[l.firstName, l.lastName].filter(Boolean).join(" ")}</div></td><td>{l.company ?? ""}</td><td>{l.status}</td></tr>)}</tbody>
            </table>
            {found.total > found.leads.length ? <p className="muted small" style={{ padding: ".5rem" }}>{fmtInt(found.total)} match; showing the first {found.leads.length}. Narrow the search.</p> : null}
          </div>
        ) : <p className="muted">No lead matches “{q}”.</p>
      ) : null}
      {canEdit ? (
        <Form method="post" encType="multipart/form-data" className="card stack" aria-labelledby="import-title">
          <h2 id="import-title">Import a CSV</h2>
          <p className="muted small">One row per lead with a header row. Needs an <code>email</code> column; first name, last name, company and time zone are recognised; other columns become merge tags. Bad rows are reported with their line numbers; the rest import.</p>
          <div className="row">
            <label>File<input type="file" name="file" accept=".csv,text/csv" required /></label>
            <label>Into list<input name="listName" list="list-names" required placeholder="New or existing list" /></label>
            <datalist id="list-names">{lists.map((l) => <option key={l.id} value={l.name} />)}</datalist>
            <button type="submit" className="primary" disabled={busy}>{busy ? "Importing…" : "Import"}</button>
          </div>
          {data?.error ? <p role="alert" className="error">{data.error}</p> : null}
          {r ? (
            <div role="status" className="stack">
              <p className={r.rejectedCount ? "error" : "notice"}>
                Read {fmtInt(r.rows)} {r.rows === 1 ? "row" : "rows"} into “{r.list?.name}”: {fmtInt(r.created)} new, {fmtInt(r.updated)} updated, {fmtInt(r.duplicates)} duplicates in the file, {fmtInt(r.rejectedCount)} rejected, {fmtInt(r.unchanged)} unchanged.
                {r.rejectedCount ? ` ${fmtInt(r.rejectedCount)} ${r.rejectedCount === 1 ? "row was" : "rows were"} not imported: fix ${r.rejectedCount === 1 ? "it" : "them"} and import again.` : " Every row is in."}
              </p>
              {r.rejectedCount && r.importId ? <p><a className="button" href={`/leads/imports/${r.importId}/rejected.csv`} download>Download the rejected lines (CSV)</a></p> : null}
              {r.rejected.length ? (
                <div className="table-wrap">
                  <table className="data"><thead><tr><th scope="col">Line</th><th scope="col">Why it was rejected</th></tr></thead>
                    <tbody>{r.rejected.map((x) => <tr key={x.line}><td className="num">{x.line}</td><td>{x.reason}</td></tr>)}</tbody></table>
                  {r.rejectedCount > r.rejected.length ? <p className="muted small" style={{ padding: ".5rem" }}>… and {fmtInt(r.rejectedCount - r.rejected.length)} more in the download.</p> : null}
                </div>
              ) : null}
            </div>
          ) : null}
        </Form>
      ) : null}
      <div className="table-wrap">
        <table className="data">
          <thead><tr><th scope="col">List</th><th scope="col">Description</th><th scope="col" className="num">Leads</th></tr></thead>
          <tbody>{lists.map((l) => <tr key={l.id}><td className="strong">{l.name}</td><td className="small">{l.description}</td><td className="num">{fmtInt(l.members)}</td></tr>)}</tbody>
        </table>
      </div>
    </section>
  );
}

export { RouteErrorBoundary as ErrorBoundary } from "../components/RouteError";
