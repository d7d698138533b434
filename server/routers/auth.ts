import { z } from "zod";
import { endSessions, login, logout } from "../auth/sessions";
import { changeOwnPassword, passwordField } from "../auth/users";
import { PASSWORD_MAX } from "../auth/password";
import { authedProcedure, publicProcedure, router } from "../trpc/init";

// Control characters never belong in an email address; refusing them here keeps them away from SQL.
export const loginInput = z.object({
  // eslint-disable-next-line no-control-regex -- control characters are refused on purpose
  email: z.string().trim().min(1, "Enter your email").max(320, "That is not an email address").refine((v) => !/[\u0000-\u001f\u007f]/.test(v), "That is not an email address"),
  password: z.string().min(1, "Enter your password").max(PASSWORD_MAX * 4, "That password is too long"),
});

export const authRouter = router({
  /** The only procedure anyone may call. The caller sets the cookie from the returned token. */
  login: publicProcedure.input(loginInput).mutation(({ ctx, input }) =>
    login(ctx.services.db, input.email, input.password, { userAgent: ctx.userAgent, address: ctx.clientAddress }),
  ),
  logout: authedProcedure.mutation(async ({ ctx }) => {
    await logout(ctx.services.db, ctx.sessionToken);
    return { ok: true };
  }),
  me: authedProcedure.query(({ ctx }) => ctx.user),
  /** Asks for the current password; every other session of the member ends, this one stays. */
  changePassword: authedProcedure
    .input(z.object({ current: z.string().min(1, "Enter your current password").max(PASSWORD_MAX * 4), next: passwordField }))
    .mutation(async ({ ctx, input }) => {
      await changeOwnPassword(ctx.services.db, ctx.user.id, input.current, input.next, ctx.sessionToken, ctx.clientAddress);
      return { ok: true };
    }),
  /** Ends every session of the member, this one included. */
  signOutEverywhere: authedProcedure.mutation(async ({ ctx }) => ({ ended: await endSessions(ctx.services.db, ctx.user.id) })),
});
