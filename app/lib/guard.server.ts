import { redirect } from "@remix-run/node";

interface TRPCErrorLike extends Error {
  code: string;
}
/** Duck-typed: the Remix bundle and the server may hold different copies of @trpc/server. */
const isTRPCError = (e: unknown): e is TRPCErrorLike => e instanceof Error && e.name === "TRPCError" && "code" in e;

const status: Partial<Record<string, number>> = {
  NOT_FOUND: 404, FORBIDDEN: 403, BAD_REQUEST: 400, CONFLICT: 409, UNAUTHORIZED: 401,
};

/** Runs a loader's tRPC calls; no session sends the user to sign in, other errors become HTTP responses. */
export async function guarded<T>(request: Request, fn: () => Promise<T>): Promise<T> {
  try {
    return await fn();
  } catch (error) {
    if (isTRPCError(error)) {
      if (error.code === "UNAUTHORIZED") {
        const url = new URL(request.url);
        throw redirect(`/login?next=${encodeURIComponent(url.pathname + url.search)}`);
      }
      throw new Response(error.message, { status: status[error.code] ?? 500 });
    }
    throw error;
  }
}

/** For actions: a refused mutation becomes a message on the page instead of an error page. */
export async function attempt<T>(fn: () => Promise<T>): Promise<{ ok: true; value: T } | { ok: false; error: string; fieldErrors?: Record<string, string[]> }> {
  try {
    return { ok: true, value: await fn() };
  } catch (error) {
    if (isTRPCError(error)) {
      if (error.code === "INTERNAL_SERVER_ERROR") throw error;
      return { ok: false, error: error.message };
    }
    throw error;
  }
}

/** Only same-site paths: `next` must not become an open redirect. */
export function safeNext(next: string | null | undefined, fallback = "/campaigns"): string {
  if (!next || !next.startsWith("/") || next.startsWith("//") || next.startsWith("/\\")) return fallback;
  return next;
}
