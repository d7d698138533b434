import { z } from "zod";
import { createUser, listUsers, newUserInput, roles, setUserRole } from "../auth/users";
import { adminProcedure, router } from "../trpc/init";

export const usersRouter = router({
  list: adminProcedure.query(({ ctx }) => listUsers(ctx.services.db)),
  create: adminProcedure.input(newUserInput).mutation(({ ctx, input }) => createUser(ctx.services.db, input)),
  setRole: adminProcedure
    .input(z.object({ userId: z.number().int().positive(), role: z.enum(roles) }))
    .mutation(({ ctx, input }) => setUserRole(ctx.services.db, input.userId, input.role)),
});
