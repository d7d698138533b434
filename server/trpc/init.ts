import { initTRPC, TRPCError } from "@trpc/server";
import superjson from "superjson";
import { z, ZodError } from "zod";
import type { Role } from "../auth/users";
import { DomainError, ValidationFailed } from "../errors";
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
    const message = cause instanceof ZodError ? summarizeZod(cause) : shape.message;
    return { ...shape, message, data: { ...shape.data, fieldErrors, stack: undefined } };
  },
});

function summarizeZod(error: ZodError): string {
  return error.issues.map((i) => (i.path.length ? `${i.path.join(".")}: ${i.message}` : i.message)).join("; ");
}

const domainErrors = t.middleware(async ({ next }) => {
  const result = await next();
  if (!result.ok && result.error.cause instanceof DomainError) throw toTRPCError(result.error.cause);
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
