import { statsInput, statsSeries } from "../stats/series";
import { authedProcedure, router } from "../trpc/init";

export const statsRouter = router({
  series: authedProcedure.input(statsInput).query(({ ctx, input }) => statsSeries(ctx.services.db, input)),
});
