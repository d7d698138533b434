import { json, redirect, unstable_parseMultipartFormData, unstable_createMemoryUploadHandler, type ActionFunctionArgs, type LoaderFunctionArgs, type MetaFunction } from "@remix-run/node";
import { Form, Link, useActionData, useLoaderData, useNavigation } from "@remix-run/react";
import { fmtCount, fmtInt } from "../lib/format";
import { attempt, guarded } from "../lib/guard.server";
import { usePageLink } from "../lib/paging";

export const meta: MetaFunction = () => [{ title: "Leads and lists · Herald" }];

export async function loader({ context, request }: LoaderFunctionArgs) {
  const url = new URL(request.url);
  const q = url.searchParams.get("q") || undefined;
  const page = Math.max(1, Number(url.searchParams.get("page")) || 1);
  const browsing = q !== undefined || url.searchParams.has("page");
  const [lists, found] = await guarded(request, () => Promise.all([context.trpc.lists.list(), browsing ? context.trpc.leads.search({ q, page }) : Promise.resolve(null)]));
  return json({ lists, found, q, canEdit: context.user?.role !== "viewer" });
}

export async function action({ context, request }: ActionFunctionArgs) {
  if (request.headers.get("content-type")?.startsWith("application/x-www-form-urlencoded")) {
    // Add one lead.
    const form = await request.formData();
    const result = await attempt(() => context.trpc.leads.add({
      email: String(form.get("email") ?? ""), firstName: String(form.get("firstName") ?? ""), lastName: String(form.get("lastName") ?? ""),
      company: String(form.get("company") ?? ""), timeZone: String(form.get("timeZone") ?? ""), phone: String(form.get("phone") ?? ""), listIds: form.getAll("listIds").map(Number),
    }));
    if (!result.ok) return json({ error: null, report: null, added: null, addError: result.error }, { status: 400 });
    return redirect(`/leads/${result.value.id}`);
  }
  // A body that is not the import form (broken multipart, JSON) is the client's mistake: a sentence, not an error page.
  const form = await unstable_parseMultipartFormData(request, unstable_createMemoryUploadHandler({ maxPartSize: 50_000_000 })).catch(() => null);
  if (!form) return json({ error: "Herald could not read that upload. Choose a CSV file and import it again.", report: null, added: null, addError: null }, { status: 400 });
  const file = form.get("file");
  if (!(file instanceof Blob) || file.size === 0) return json({ error: "Choose a CSV file to import.", report: null, added: null, addError: null }, { status: 400 });
  const csv = await file.text();
  const result = await attempt(() => context.trpc.leads.importCsv({ csv, listName: String(form.get("listName") ?? ""), overwrite: form.get("overwrite") === "yes" }));
  return result.ok ? json({ error: null, report: result.value, added: null, addError: null }) : json({ error: result.error, report: null, added: null, addError: null }, { status: 400 });
}

export default function Leads() {
  const { lists, found, q, canEdit } = useLoaderData<typeof loader>();
  const data = useActionData<typeof action>();
  const busy = useNavigation().state === "submitting";
  const r = data?.report;
  const pageLink = usePageLink();
  return (
    <section className="stack">
      <h1>Leads and lists</h1>
      <Form method="get" className="toolbar" role="search">
        <input type="search" name="q" defaultValue={q ?? ""} placeholder="Find a lead by email, name or company" aria-label="Find a lead" />
        <button type="submit">Find</button>
        <Link to="?page=1" className="button">Browse all leads</Link>
      </Form>
      {found ? (
        found.leads.length ? (
          <div className="table-wrap">
            <table className="data">
              <thead><tr><th scope="col">Lead</th><th scope="col">Company</th><th scope="col">Status</th></tr></thead>
              <tbody>{found.leads.map((l) => <tr key={l.id}><td><Link to={`/leads/${l.id}`} className="strong">{l.email}</Link><div className="muted small">{[l.firstName, l.lastName].filter(Boolean).join(" ")}</div></td><td>{l.company ?? ""}</td><td>{l.status}</td></tr>)}</tbody>
            </table>
            {found.total > found.pageSize ? (
              <nav className="pager small" aria-label="Pages" style={{ padding: ".5rem" }}>
                {found.page > 1 ? <Link to={pageLink(found.page - 1)}>← Previous</Link> : <span />}
                <span>Page {found.page} of {Math.ceil(found.total / found.pageSize)} · {fmtInt(found.total)} leads</span>
                {found.page * found.pageSize < found.total ? <Link to={pageLink(found.page + 1)}>Next →</Link> : <span />}
              </nav>
            ) : null}
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
          <label className="inline small"><input type="checkbox" name="overwrite" value="yes" /> Overwrite names, company and time zone of leads that already exist (otherwise they keep theirs, set by other lists, and only gain what they lack)</label>
          {data?.error ? <p role="alert" className="error">{data.error}</p> : null}
          {r ? (
            <div role="status" className="stack">
              <p className={r.rejectedCount ? "error" : "notice"}>
                Read {fmtInt(r.rows)} {r.rows === 1 ? "row" : "rows"} into “{r.list?.name}”: {fmtInt(r.created)} new, {fmtInt(r.updated)} updated, {fmtCount(r.duplicates, "duplicate", "duplicates")} in the file, {fmtInt(r.rejectedCount)} rejected, {fmtInt(r.unchanged)} unchanged.
                {r.rejectedCount ? ` ${fmtInt(r.rejectedCount)} ${r.rejectedCount === 1 ? "row was" : "rows were"} not imported: fix ${r.rejectedCount === 1 ? "it" : "them"} and import again.` : " Every row is in."}
              </p>
              {r.suppressedCount ? (
                <p className="error" data-testid="import-suppressed">{fmtInt(r.suppressedCount)} {r.suppressedCount === 1 ? "address is" : "addresses are"} suppressed and will never be mailed: {r.suppressed.slice(0, 10).map((x) => `${x.email} (line ${x.line})`).join(", ")}{r.suppressedCount > 10 ? ", …" : ""}.</p>
              ) : null}
              {r.warnings.length ? (
                <div className="table-wrap">
                  <table className="data"><thead><tr><th scope="col">Line</th><th scope="col">Imported with a warning</th></tr></thead>
                    <tbody>{r.warnings.map((x) => <tr key={x.line}><td className="num">{x.line}</td><td>{x.reason}</td></tr>)}</tbody></table>
                </div>
              ) : null}
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
      {canEdit ? (
        <details className="card">
          <summary className="strong">Add one lead</summary>
          <Form method="post" className="stack" aria-label="Add one lead">
            {data?.addError ? <p role="alert" className="error">{data.addError}</p> : null}
            <div className="grid">
              <label>Email<input name="email" type="email" required /></label>
              <label>First name<input name="firstName" /></label>
              <label>Last name<input name="lastName" /></label>
              <label>Company<input name="company" /></label>
              <label>Phone<input name="phone" type="tel" placeholder="+44 20 7946 0018 (for SMS steps)" /></label>
              <label>Time zone<input name="timeZone" placeholder="empty = the campaign's" /></label>
            </div>
            <div className="row">{lists.map((l) => <label key={l.id} className="inline"><input type="checkbox" name="listIds" value={l.id} /> {l.name}</label>)}</div>
            <div><button type="submit" className="primary">Add lead</button></div>
          </Form>
        </details>
      ) : null}
      <div className="table-wrap">
        <table className="data">
          <thead><tr><th scope="col">List</th><th scope="col">Description</th><th scope="col" className="num">Leads</th></tr></thead>
          <tbody>{lists.map((l) => <tr key={l.id}><td><Link className="strong" to={`/lists/${l.id}`}>{l.name}</Link></td><td className="small">{l.description}</td><td className="num">{fmtInt(l.members)}</td></tr>)}</tbody>
        </table>
      </div>
    </section>
  );
}

export { RouteErrorBoundary as ErrorBoundary } from "../components/RouteError";
