import { requestSync, syncStatus } from "../sync-status";
import { authedProcedure, editorProcedure, router } from "../trpc/init";

export const syncRouter = router({
  state: authedProcedure.query(({ ctx }) => syncStatus(ctx.services.db, ctx.services.config)),
  now: editorProcedure.mutation(async ({ ctx }) => {
    await requestSync(ctx.services.db);
    return { queued: true };
  }),
});
