import { json, type LinksFunction, type LoaderFunctionArgs, type MetaFunction } from "@remix-run/node";
import { isRouteErrorResponse, Link, Links, Meta, Outlet, Scripts, ScrollRestoration, useRouteError, useRouteLoaderData } from "@remix-run/react";
import { useEffect } from "react";
import stylesheet from "./styles/app.css";

export const links: LinksFunction = () => [{ rel: "stylesheet", href: stylesheet }];
export const meta: MetaFunction = () => [{ title: "Herald" }];

/** The CSP nonce of this response (server/http/edge.ts): Remix's inline scripts must carry it. */
export const loader = ({ context }: LoaderFunctionArgs) => json({ nonce: context.cspNonce });
export const shouldRevalidate = () => false;

export function Layout({ children }: { children: React.ReactNode }) {
  const nonce = useRouteLoaderData<typeof loader>("root")?.nonce;
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
        <ScrollRestoration nonce={nonce} />
        <Scripts nonce={nonce} />
      </body>
    </html>
  );
}

export default function App() {
  // Set once React has hydrated the page: from then on forms submit through Remix (browser tests wait for it).
  useEffect(() => {
    document.documentElement.dataset.hydrated = "true";
  }, []);
  return <Outlet />;
}

export function ErrorBoundary() {
  const error = useRouteError();
  const notFound = isRouteErrorResponse(error) && error.status === 404;
  const title = notFound ? "Page not found" : isRouteErrorResponse(error) ? `${error.status} ${error.statusText || "Error"}` : "Something went wrong";
  // Only sentences Herald wrote itself: a route error's text (masked by the server when unexpected), never an Error's message or stack
  // (nor React Router's "Error: No route matches URL").
  const detail = notFound ? "There is no page at this address. It may have moved, or the link is mistyped."
    : isRouteErrorResponse(error) && typeof error.data === "string" ? error.data : "Herald hit an unexpected error. Try again; if it keeps happening, check the server log.";
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
