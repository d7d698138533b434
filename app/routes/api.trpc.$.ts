import type { ActionFunctionArgs, LoaderFunctionArgs } from "@remix-run/node";
import { fetchRequestHandler } from "@trpc/server/adapters/fetch";

/** The browser's tRPC endpoint; same router and context as the loaders' createCaller. */
function handle({ request, context }: LoaderFunctionArgs | ActionFunctionArgs) {
  return fetchRequestHandler({
    endpoint: "/api/trpc",
    req: request,
    router: context.appRouter,
    createContext: () => context.trpcContext,
  });
}

export const loader = handle;
export const action = handle;
