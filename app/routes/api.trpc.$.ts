import type { ActionFunctionArgs, LoaderFunctionArgs } from "@remix-run/node";

/** The browser's tRPC endpoint; same router and context as the loaders' createCaller (server/trpc/http.ts). */
function handle({ request, context }: LoaderFunctionArgs | ActionFunctionArgs) {
  return context.trpcHttp(request);
}

export const loader = handle;
export const action = handle;
