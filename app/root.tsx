import type { LinksFunction, MetaFunction } from "@remix-run/node";
import { isRouteErrorResponse, Link, Links, Meta, Outlet, Scripts, ScrollRestoration, useRouteError } from "@remix-run/react";
import stylesheet from "./styles/app.css";

export const links: LinksFunction = () => [{ rel: "stylesheet", href: stylesheet }];
export const meta: MetaFunction = () => [{ title: "Herald" }];

export function Layout({ children }: { children: React.ReactNode }) {
  return (
    <html lang="en">
      <head>
        <meta charSet="utf-8" />
        <meta name="viewport" content="width=device-width, initial-scale=1" />
        <Meta />
        <Links />
      </head>
      <body>
        {children}
        <ScrollRestoration />
        <Scripts />
      </body>
    </html>
  );
}

export default function App() {
  return <Outlet />;
}

export function ErrorBoundary() {
  const error = useRouteError();
  const title = isRouteErrorResponse(error) ? `${error.status} ${error.statusText || "Error"}` : "Something went wrong";
  const detail = isRouteErrorResponse(error) ? String(error.data) : "Herald hit an unexpected error. Try again; if it keeps happening, check the server log.";
  return (
    <main className="centered">
      <div className="card narrow">
        <h1>{title}</h1>
        <p>{detail}</p>
        <Link to="/campaigns">Back to campaigns</Link>
      </div>
    </main>
  );
}
