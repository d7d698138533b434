import { json, type ActionFunctionArgs, type LoaderFunctionArgs, type MetaFunction } from "@remix-run/node";
import { Form, Link, useActionData, useLoaderData, useSearchParams } from "@remix-run/react";
import { ConfirmSubmit } from "../components/ConfirmForm";
import { StatusBadge } from "../components/StatusBadge";
import { fmtInt } from "../lib/format";
import { attempt, guarded } from "../lib/guard.server";
import { usePageLink } from "../lib/paging";

export const meta: MetaFunction<typeof loader> = ({ data }) => [{ title: `${data?.list.name ?? "List"} · Herald` }];

const listId = (params: { id?: string }) => {
  const id = Number(params.id);
  if (!Number.isInteger(id) || id < 1) throw new Response("No such list", { status: 404 });
  return id;
};

export async function loader({ context, request, params }: LoaderFunctionArgs) {
  const url = new URL(request.url);
  const page = Math.max(1, Number(url.searchParams.get("page")) || 1);
  const data = await guarded(request, () => context.trpc.lists.get({ listId: listId(params), q: url.searchParams.get("q") || undefined, page }));
  return json({ ...data, canEdit: context.user?.role !== "viewer" });
}

export async function action({ context, request, params }: ActionFunctionArgs) {
  const form = await request.formData();
  const leadIds = form.getAll("leadId").map(Number).filter((n) => n > 0);
  if (!leadIds.length) return json({ ok: false as const, message: "Tick the leads to remove first." }, { status: 400 });
  const result = await attempt(() => context.trpc.lists.removeMembers({ listId: listId(params), leadIds }));
  return result.ok
    ? json({ ok: true as const, message: `Removed ${result.value.removed} ${result.value.removed === 1 ? "lead" : "leads"} from the list. They stay in Herald and in their other lists.` })
    : json({ ok: false as const, message: result.error }, { status: 400 });
}

export default function ListPage() {
  const { list, members, total, page, pageSize, canEdit } = useLoaderData<typeof loader>();
  const result = useActionData<typeof action>();
  const [params] = useSearchParams();
  const pages = Math.max(1, Math.ceil(total / pageSize));
  const pageLink = usePageLink();
  return (
    <section className="stack">
      <div className="muted small"><Link to="/leads">Leads and lists</Link> / list</div>
      <div className="page-head">
        <div>
          <h1>{list.name}</h1>
          <div className="muted small">{fmtInt(list.members)} {list.members === 1 ? "lead" : "leads"}{list.description ? ` · ${list.description}` : ""}</div>
        </div>
        <a className="button" href={`/lists/${list.id}.csv`} download>Export CSV</a>
      </div>
      {result ? <p role={result.ok ? "status" : "alert"} className={result.ok ? "notice" : "error"}>{result.message}</p> : null}
      <Form method="get" className="toolbar" role="search">
        <input type="search" name="q" defaultValue={params.get("q") ?? ""} placeholder="Search this list by email, name or company" aria-label="Search this list" />
        <button type="submit">Search</button>
      </Form>
      {members.length ? (
        <Form method="post" className="stack" id="members">
          <div className="table-wrap">
            <table className="data">
              <thead><tr>{canEdit ? <th scope="col"><span className="sr-only">Select</span></th> : null}<th scope="col">Lead</th><th scope="col">Company</th><th scope="col">Status</th></tr></thead>
              <tbody>
                {members.map((m) => (
                  <tr key={m.id}>
                    {canEdit ? <td><input type="checkbox" name="leadId" value={m.id} aria-label={`Select ${m.email}`} /></td> : null}
                    <td><Link to={`/leads/${m.id}`} className="strong">{m.email}</Link><div className="muted small">{[m.firstName, m.lastName].filter(Boolean).join(" ")}</div></td>
                    <td>{m.company ?? ""}</td>
                    <td><StatusBadge status={m.status} /></td>
                  </tr>
                ))}
              </tbody>
            </table>
          </div>
          {canEdit ? (
            <div className="row">
              <ConfirmSubmit label="Remove the ticked leads from the list" confirm={{ title: `Remove leads from “${list.name}”?`, body: "They leave this list only: they stay in Herald, in their other lists, and in the history of runs they were in.", confirmLabel: "Remove from list", keepLabel: "Keep them" }} />
            </div>
          ) : null}
        </Form>
      ) : <div className="empty"><p>{params.get("q") ? `No member matches “${params.get("q")}”.` : "This list has no members yet. Import a CSV into it from Leads and lists."}</p></div>}
      {pages > 1 ? (
        <nav className="pager" aria-label="Pages">
          {page > 1 ? <Link to={pageLink(page - 1)}>← Previous</Link> : <span />}
          <span>Page {page} of {pages} · {fmtInt(total)} {params.get("q") ? "matching" : "members"}</span>
          {page < pages ? <Link to={pageLink(page + 1)}>Next →</Link> : <span />}
        </nav>
      ) : null}
    </section>
  );
}

export { RouteErrorBoundary as ErrorBoundary } from "../components/RouteError";
