import { json, type LoaderFunctionArgs, type MetaFunction } from "@remix-run/node";
import { Ago } from "../components/Time";
import { Link, useLoaderData } from "@remix-run/react";
import { guarded } from "../lib/guard.server";

export const meta: MetaFunction = () => [{ title: "Templates · Herald" }];

export async function loader({ context, request }: LoaderFunctionArgs) {
  return json({ templates: await guarded(request, () => context.trpc.templates.list()), canEdit: context.user?.role !== "viewer" });
}

export default function Templates() {
  const { templates, canEdit } = useLoaderData<typeof loader>();
  return (
    <section className="stack">
      <div className="page-head"><h1>Templates</h1>{canEdit ? <Link className="button primary" to="/templates/new">New template</Link> : null}</div>
      {templates.length ? (
        <div className="table-wrap">
          <table className="data">
            <thead><tr><th scope="col">Name</th><th scope="col">Subject</th><th scope="col">Changed</th></tr></thead>
            <tbody>{templates.map((t) => <tr key={t.id}><td><Link to={`/templates/${t.id}`} className="strong">{t.name}</Link></td><td>{t.subject}</td><td className="small">{<Ago value={t.updatedAt} />}</td></tr>)}</tbody>
          </table>
        </div>
      ) : <div className="empty"><p>No templates yet.</p></div>}
    </section>
  );
}

export { RouteErrorBoundary as ErrorBoundary } from "../components/RouteError";
