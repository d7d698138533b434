import { initTRPC, TRPCError } from "@trpc/server";
import superjson from "superjson";
import { z, ZodError } from "zod";
import type { Role } from "../auth/users";
import { DomainError, errorRef, somethingWentWrong, TooManyAttempts, ValidationFailed } from "../errors";
import type { Context } from "./context";
import { toTRPCError } from "./errors";

const t = initTRPC.context<Context>().create({
  transformer: superjson,
  errorFormatter({ shape, error }) {
    const cause = error.cause;
    const fieldErrors =
      cause instanceof ZodError ? (z.flattenError(cause).fieldErrors as Record<string, string[]>)
      : cause instanceof ValidationFailed ? cause.fieldErrors
      : null;
    let message = cause instanceof ZodError ? summarizeZod(cause) : shape.message;
    // Anything unexpected that did not pass through the masking middleware (tRPC's own failures) is masked here too.
    if (error.code === "INTERNAL_SERVER_ERROR" && !message.startsWith("Something went wrong")) message = somethingWentWrong(errorRef());
    const retryAfterSeconds = cause instanceof TooManyAttempts ? cause.retryAfterSeconds : undefined;
    const { stack: _stack, ...data } = shape.data;
    return { ...shape, message, data: { ...data, fieldErrors, ...(retryAfterSeconds ? { retryAfterSeconds } : {}) } };
  },
});

function summarizeZod(error: ZodError): string {
  return error.issues.map((i) => (i.path.length ? `${i.path.join(".")}: ${i.message}` : i.message)).join("; ");
}

/**
 * Domain errors keep their human sentence. Anything else is a bug or an
 * outage: the client gets "Something went wrong (ref X)" and the log gets the
 * stack under that ref, so no SQL, parameter or stack ever reaches a browser.
 */
const domainErrors = t.middleware(async ({ ctx, path, next }) => {
  const result = await next();
  if (result.ok) return result;
  const error = result.error;
  if (error.cause instanceof DomainError) throw toTRPCError(error.cause);
  if (error.code === "INTERNAL_SERVER_ERROR") {
    const ref = errorRef();
    const cause = error.cause ?? error;
    ctx.services.log.error(`unexpected error in ${path} (ref ${ref})`, { ref, error: cause.message, stack: cause.stack });
    throw new TRPCError({ code: "INTERNAL_SERVER_ERROR", message: somethingWentWrong(ref) });
  }
  return result;
});

export const router = t.router;
export const createCallerFactory = t.createCallerFactory;

export const publicProcedure = t.procedure.use(domainErrors);

export const authedProcedure = publicProcedure.use(({ ctx, next }) => {
  if (!ctx.user) throw new TRPCError({ code: "UNAUTHORIZED", message: "Sign in to continue." });
  return next({ ctx: { ...ctx, user: ctx.user } });
});

const rank: Record<Role, number> = { viewer: 0, editor: 1, admin: 2 };
const atLeast = (role: Role) =>
  authedProcedure.use(({ ctx, next }) => {
    if (rank[ctx.user.role] < rank[role]) {
      throw new TRPCError({ code: "FORBIDDEN", message: `This needs the ${role} role; you are signed in as ${ctx.user.role}.` });
    }
    return next();
  });

/** May change campaigns, leads, templates. */
export const editorProcedure = atLeast("editor");
/** May manage the team and installation settings. */
export const adminProcedure = atLeast("admin");
