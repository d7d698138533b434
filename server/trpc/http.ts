import { fetchRequestHandler } from "@trpc/server/adapters/fetch";
import { TooManyAttempts } from "../errors";
import { appRouter } from "../routers/root";
import type { Context } from "./context";

/** A batch carries at most this many calls; the browser client uses the same number. */
export const MAX_BATCH_SIZE = 10;
/** Procedures that must arrive alone: a batch must not try many passwords at once. */
const UNBATCHABLE = new Set(["auth.login"]);

/** The /api/trpc endpoint: batch cap, no batched login, Retry-After on a throttled sign-in. */
export async function handleTrpcRequest(request: Request, context: Context): Promise<Response> {
  const url = new URL(request.url);
  const paths = decodeURIComponent(url.pathname.replace(/^\/api\/trpc\/?/, "")).split(",");
  if (url.searchParams.get("batch") === "1" && paths.some((p) => UNBATCHABLE.has(p))) {
    return Response.json({ error: { message: "auth.login cannot be batched: send it alone.", code: "BAD_REQUEST" } }, { status: 400 });
  }
  return fetchRequestHandler({
    endpoint: "/api/trpc",
    req: request,
    router: appRouter,
    maxBatchSize: MAX_BATCH_SIZE,
    createContext: () => context,
    responseMeta({ errors }) {
      const throttled = errors.map((e) => e.cause).find((c): c is TooManyAttempts => c instanceof TooManyAttempts);
      return throttled ? { headers: new Headers({ "Retry-After": String(throttled.retryAfterSeconds) }) } : {};
    },
  });
}
