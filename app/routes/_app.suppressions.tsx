import { json, type ActionFunctionArgs, type LoaderFunctionArgs, type MetaFunction } from "@remix-run/node";
import { Form, Link, useActionData, useLoaderData, useSearchParams } from "@remix-run/react";
import { When } from "../components/Time";
import { fmtInt } from "../lib/format";
import { attempt, guarded } from "../lib/guard.server";

export const meta: MetaFunction = () => [{ title: "Suppressions · Herald" }];

export async function loader({ context, request }: LoaderFunctionArgs) {
  const url = new URL(request.url);
  const data = await guarded(request, () => context.trpc.suppressions.list({ search: url.searchParams.get("q") || undefined, page: Math.max(1, Number(url.searchParams.get("page")) || 1) }));
  return json({ ...data, canEdit: context.user?.role !== "viewer" });
}

export async function action({ context, request }: ActionFunctionArgs) {
  const form = await request.formData();
  const result = await attempt(async () => {
    if (form.get("intent") === "lift") return `Lifted: ${(await context.trpc.suppressions.lift({ id: Number(form.get("id")) })).email} can be mailed again.`;
    const r = await context.trpc.suppressions.add({ email: String(form.get("email") ?? ""), note: String(form.get("note") ?? "") });
    return r.alreadySuppressed ? "That address was already suppressed." : `Suppressed; ${r.skipped} waiting ${r.skipped === 1 ? "message" : "messages"} skipped.`;
  });
  return json(result.ok ? { ok: true, message: result.value } : { ok: false, message: result.error }, { status: result.ok ? 200 : 400 });
}

export default function Suppressions() {
  const { suppressions, total, page, canEdit } = useLoaderData<typeof loader>();
  const result = useActionData<typeof action>();
  const [params] = useSearchParams();
  return (
    <section className="stack">
      <h1>Suppressions</h1>
      <p className="muted small">A suppressed address is never sent another email, in any campaign. Unsubscribes, hard bounces and complaints are added automatically; manual ones can be lifted. {fmtInt(total)} addresses.</p>
      {result ? <p role={result.ok ? "status" : "alert"} className={result.ok ? "notice" : "error"}>{result.message}</p> : null}
      <div className="row">
        <Form method="get" className="toolbar" role="search"><input type="search" name="q" defaultValue={params.get("q") ?? ""} placeholder="Search by email" aria-label="Search suppressions" /><button type="submit">Search</button></Form>
        {canEdit ? (
          <Form method="post" className="toolbar" aria-label="Suppress an address">
            <input name="email" type="email" required placeholder="address@example.com" aria-label="Address to suppress" />
            <input name="note" placeholder="why (optional)" aria-label="Note" />
            <button type="submit">Suppress</button>
          </Form>
        ) : null}
      </div>
      {suppressions.length ? (
        <div className="table-wrap">
          <table className="data">
            <thead><tr><th scope="col">Address</th><th scope="col">Reason</th><th scope="col">Note</th><th scope="col">Since</th><th scope="col"><span className="sr-only">Actions</span></th></tr></thead>
            <tbody>
              {suppressions.map((s) => (
                <tr key={s.id}>
                  <td>{s.email}</td><td><span className={`badge badge-${s.reason === "manual" ? "paused" : "failed"}`}>{s.reason.replace("_", " ")}</span></td><td className="small">{s.note}</td><td className="small">{<When value={s.createdAt} />}</td>
                  <td>{canEdit && s.reason === "manual" ? (
                    <Form method="post" onSubmit={(e) => { if (!window.confirm(`Allow email to ${s.email} again?`)) e.preventDefault(); }}>
                      <input type="hidden" name="intent" value="lift" /><input type="hidden" name="id" value={s.id} /><button type="submit" className="link">Lift</button>
                    </Form>) : null}</td>
                </tr>
              ))}
            </tbody>
          </table>
        </div>
      ) : <div className="empty"><p>No suppressed addresses.</p></div>}
      {total > 50 ? <nav className="pager">{page > 1 ? <Link to={`?page=${page - 1}`}>← Previous</Link> : <span />}<span>Page {page}</span>{page * 50 < total ? <Link to={`?page=${page + 1}`}>Next →</Link> : <span />}</nav> : null}
    </section>
  );
}

export { RouteErrorBoundary as ErrorBoundary } from "../components/RouteError";
