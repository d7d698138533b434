import { z } from "zod";
import { login, logout } from "../auth/sessions";
import { authedProcedure, publicProcedure, router } from "../trpc/init";

export const loginInput = z.object({
  email: z.string().trim().min(1, "Enter your email"),
  password: z.string().min(1, "Enter your password"),
});

export const authRouter = router({
  /** The only procedure anyone may call. The caller sets the cookie from the returned token. */
  login: publicProcedure.input(loginInput).mutation(({ ctx, input }) =>
    login(ctx.services.db, input.email, input.password, ctx.userAgent),
  ),
  logout: authedProcedure.mutation(async ({ ctx }) => {
    await logout(ctx.services.db, ctx.sessionToken);
    return { ok: true };
  }),
  me: authedProcedure.query(({ ctx }) => ctx.user),
});
