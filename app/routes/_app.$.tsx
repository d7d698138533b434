import type { MetaFunction } from "@remix-run/node";
import { RouteErrorBoundary } from "../components/RouteError";

export const meta: MetaFunction = () => [{ title: "Page not found · Herald" }];

/** Any URL no route matches, for a signed-in user: a 404 inside the app's layout, with its navigation. */
export function loader() {
  throw new Response("", { status: 404 });
}

export default function Unknown() {
  return null;
}

export const ErrorBoundary = RouteErrorBoundary;
