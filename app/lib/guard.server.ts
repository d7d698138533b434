import { redirect } from "@remix-run/node";

interface TRPCErrorLike extends Error {
  code: string;
  cause?: unknown;
}
/** Duck-typed: the Remix bundle and the server may hold different copies of @trpc/server. */
const isTRPCError = (e: unknown): e is TRPCErrorLike => e instanceof Error && e.name === "TRPCError" && "code" in e;

const status: Partial<Record<string, number>> = {
  NOT_FOUND: 404, FORBIDDEN: 403, BAD_REQUEST: 400, CONFLICT: 409, UNAUTHORIZED: 401, TOO_MANY_REQUESTS: 429,
};

/** Run numbers are integer columns; ids are bigint, read as JavaScript's safe integers. */
export const RUN_NUMBER_MAX = 2_147_483_647;

/**
 * A number in the address (a campaign's id, a run's number). Anything that is
 * not one Herald could hold is a page that does not exist: 404 with a
 * sentence, before any query is made.
 */
export function pathNumber(value: string | undefined, what: string, max = Number.MAX_SAFE_INTEGER): number {
  const n = Number(value);
  if (!/^[0-9]{1,16}$/.test(value ?? "") || !Number.isSafeInteger(n) || n < 1 || n > max) throw new Response(`There is no such ${what}.`, { status: 404 });
  return n;
}

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
      // Unexpected errors arrive already masked as "Something went wrong (ref …)" by server/trpc/init.ts.
      throw new Response(error.message, { status: status[error.code] ?? 500 });
    }
    throw error;
  }
}

/** Input the router's schema refused carries zod issues: say them as sentences, never as raw JSON. */
function sentences(error: TRPCErrorLike): string {
  const issues = (error.cause as { issues?: Array<{ message: string }> } | undefined)?.issues;
  if (!Array.isArray(issues) || !issues.length) return error.message;
  return [...new Set(issues.map((i) => i.message.replace(/\.?$/, ".")))].join(" ");
}

export type Attempt<T> = { ok: true; value: T } | { ok: false; error: string; code: string; retryAfterSeconds?: number };

/** For actions: a refused mutation becomes a message on the page instead of an error page. */
export async function attempt<T>(fn: () => Promise<T>): Promise<Attempt<T>> {
  try {
    return { ok: true, value: await fn() };
  } catch (error) {
    if (isTRPCError(error)) {
      if (error.code === "INTERNAL_SERVER_ERROR") throw new Response(error.message, { status: 500 });
      const cause = error.cause as { retryAfterSeconds?: unknown } | undefined;
      const retryAfterSeconds = typeof cause?.retryAfterSeconds === "number" ? cause.retryAfterSeconds : undefined;
      return { ok: false, error: sentences(error), code: error.code, retryAfterSeconds };
    }
    throw error;
  }
}

const BASE = "http://herald.invalid";

/**
 * Only paths on Herald itself: `next` must not become an open redirect.
 * Browsers drop tabs and newlines and read `\` as `/`, so `/\t/evil` is
 * `//evil`; such input is refused outright, then the URL is resolved the
 * way a browser would, must stay on Herald's own origin, and the path it
 * comes to must not start with `//` (dot segments: `/.//evil.com`).
 */
export function safeNext(next: string | null | undefined, fallback = "/campaigns"): string {
  // eslint-disable-next-line no-control-regex -- control characters are exactly what must be refused
  if (!next || !next.startsWith("/") || /[\u0000-\u001f\u007f\\]/.test(next)) return fallback;
  let url: URL;
  try {
    url = new URL(next, BASE);
  } catch {
    return fallback;
  }
  const path = url.pathname + url.search + url.hash;
  // Checked on what is returned: `/.//evil.com` resolves to the path `//evil.com`, which a browser reads as another host.
  if (url.origin !== BASE || !path.startsWith("/") || path.startsWith("//")) return fallback;
  return path;
}
