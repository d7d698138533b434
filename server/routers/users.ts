import { z } from "zod";
import { createUser, listUsers, newUserInput, passwordField, roles, setDisabled, setPassword, setUserRole } from "../auth/users";
import { adminProcedure, router } from "../trpc/init";

const byUser = z.object({ userId: z.number().int().positive() });

export const usersRouter = router({
  list: adminProcedure.query(({ ctx }) => listUsers(ctx.services.db)),
  create: adminProcedure.input(newUserInput).mutation(({ ctx, input }) => createUser(ctx.services.db, input)),
  setRole: adminProcedure
    .input(byUser.extend({ role: z.enum(roles) }))
    .mutation(({ ctx, input }) => setUserRole(ctx.services.db, input.userId, input.role)),
  /** An admin sets a member's new password; the member's sessions end. */
  resetPassword: adminProcedure
    .input(byUser.extend({ password: passwordField }))
    .mutation(({ ctx, input }) => setPassword(ctx.services.db, input.userId, input.password)),
  disable: adminProcedure.input(byUser).mutation(({ ctx, input }) => setDisabled(ctx.services.db, input.userId, true, ctx.user.id)),
  enable: adminProcedure.input(byUser).mutation(({ ctx, input }) => setDisabled(ctx.services.db, input.userId, false, ctx.user.id)),
});
