import { createTRPCClient, httpBatchLink } from "@trpc/client";
import type { inferRouterOutputs } from "@trpc/server";
import superjson from "superjson";
import type { AppRouter } from "../../server/routers/root";

/** The browser's typed client: same procedures, same session cookie. */
export const trpc = createTRPCClient<AppRouter>({
  // The server refuses batches of more than 10 calls (server/trpc/http.ts, MAX_BATCH_SIZE).
  links: [httpBatchLink({ url: "/api/trpc", transformer: superjson, maxItems: 10 })],
});

/** What each procedure returns, as the browser receives it. */
export type RouterOutputs = inferRouterOutputs<AppRouter>;
