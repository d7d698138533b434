import { z } from "zod";
import { importLeadsCsv, rejectedLinesCsv } from "../leads/csv-import";
import { getLead, leadSearchInput, searchLeads } from "../leads/leads";
import { createList, listLists, newListInput } from "../leads/lists";
import { addManualSuppression, addSuppressionInput, liftSuppression, listSuppressions, suppressionListInput } from "../tracking/suppressions";
import { authedProcedure, editorProcedure, router } from "../trpc/init";

export const leadsRouter = router({
  search: authedProcedure.input(leadSearchInput).query(({ ctx, input }) => searchLeads(ctx.services.db, input)),
  get: authedProcedure.input(z.object({ id: z.number().int().positive() })).query(({ ctx, input }) => getLead(ctx.services.db, input.id)),
  /** The UI posts the file's text; 100,000 rows are a few MB. The CLI streams from disk instead. */
  importCsv: editorProcedure
    .input(z.object({ csv: z.string().max(50_000_000, "Files over 50 MB: use `herald import-leads`"), listName: z.string().trim().min(1, "Choose or name a list").max(200) }))
    .mutation(({ ctx, input }) => importLeadsCsv(ctx.services.db, input.csv, { listName: input.listName })),
  /** The rejected lines of an import, as a CSV to fix and import again. */
  rejectedCsv: editorProcedure.input(z.object({ importId: z.number().int().positive() })).query(({ ctx, input }) => rejectedLinesCsv(ctx.services.db, input.importId)),
});

export const listsRouter = router({
  list: authedProcedure.query(({ ctx }) => listLists(ctx.services.db)),
  create: editorProcedure.input(newListInput).mutation(({ ctx, input }) => createList(ctx.services.db, input)),
});

export const suppressionsRouter = router({
  list: authedProcedure.input(suppressionListInput).query(({ ctx, input }) => listSuppressions(ctx.services.db, input)),
  add: editorProcedure.input(addSuppressionInput).mutation(({ ctx, input }) => addManualSuppression(ctx.services.db, input)),
  lift: editorProcedure.input(z.object({ id: z.number().int().positive() })).mutation(({ ctx, input }) => liftSuppression(ctx.services.db, input.id)),
});
