import { z } from "zod";
import { legacyReceipts } from "../stats/legacy/receipt";
import { statsInput, statsSeries } from "../stats/series";
import { statsSeriesCsv } from "../stats/series-csv";
import { authedProcedure, router } from "../trpc/init";

export const statsRouter = router({
  series: authedProcedure.input(statsInput).query(({ ctx, input }) => statsSeries(ctx.services.db, input)),
  seriesCsv: authedProcedure.input(statsInput).query(({ ctx, input }) => statsSeriesCsv(ctx.services.db, input)),
  legacyReceipts: authedProcedure.input(z.object({ campaignId: z.number().int().positive() })).query(({ ctx, input }) => legacyReceipts(ctx.services.db, input.campaignId)),
});
