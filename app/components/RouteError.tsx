import { isRouteErrorResponse, Link, useLocation, useRouteError } from "@remix-run/react";

/**
 * The error page of every signed-in route: shown inside the app's layout, so
 * the navigation stays. Only sentences Herald wrote itself are shown (a route
 * error's text, masked by the server when unexpected), never a stack.
 */
export function RouteErrorBoundary() {
  const error = useRouteError();
  const { pathname } = useLocation();
  if (isRouteErrorResponse(error) && error.status === 404) return <NotFound path={pathname} detail={typeof error.data === "string" && !error.data.startsWith("Error: No route") ? error.data : null} />;
  const title = isRouteErrorResponse(error) ? (error.status === 400 ? "That request could not be answered" : error.status === 403 ? "Not allowed" : "Something went wrong") : "Something went wrong";
  const detail = isRouteErrorResponse(error) && typeof error.data === "string" ? error.data : "Herald hit an unexpected error. Try again; if it keeps happening, check the server log.";
  return (
    <section className="stack narrow" role="alert">
      <h1>{title}</h1>
      <p>{detail}</p>
      <p className="row"><Link to={pathname}>Try again</Link> <Link to="/campaigns">Campaigns</Link></p>
    </section>
  );
}

export function NotFound({ path, detail }: { path: string; detail?: string | null }) {
  return (
    <section className="stack narrow">
      <h1>Page not found</h1>
      <p>{detail ?? <>There is no page at <code>{path}</code>. It may have moved, or the link is mistyped.</>}</p>
      <ul>
        <li><Link to="/campaigns">Campaigns</Link></li>
        <li><Link to="/leads">Leads and lists</Link></li>
        <li><Link to="/analytics">Analytics</Link></li>
        <li><Link to="/templates">Templates</Link></li>
      </ul>
    </section>
  );
}
