import { z } from "zod";
import { importLeadsCsv, rejectedLinesCsv } from "../leads/csv-import";
import { addLead, deleteLead, leadFieldsInput, removeFromList, updateLead } from "../leads/edit";
import { getLead, leadSearchInput, searchLeads } from "../leads/leads";
import { listMembersCsv, listMembersInput, listWithMembers } from "../leads/list-members";
import { createList, listLists, newListInput } from "../leads/lists";
import { addManualSuppression, addSuppressionInput, liftSuppression, listSuppressions, suppressionListInput } from "../tracking/suppressions";
import { authedProcedure, editorProcedure, router } from "../trpc/init";

export const leadsRouter = router({
  search: authedProcedure.input(leadSearchInput).query(({ ctx, input }) => searchLeads(ctx.services.db, input)),
  get: authedProcedure.input(z.object({ id: z.number().int().positive() })).query(({ ctx, input }) => getLead(ctx.services.db, input.id)),
  /** The UI posts the file's text; 100,000 rows are a few MB. The CLI streams from disk instead. */
  importCsv: editorProcedure
    .input(z.object({ csv: z.string().max(50_000_000, "Files over 50 MB: use `herald import-leads`"), listName: z.string().trim().min(1, "Choose or name a list").max(200), overwrite: z.boolean().default(false) }))
    .mutation(({ ctx, input }) => importLeadsCsv(ctx.services.db, input.csv, { listName: input.listName, overwrite: input.overwrite })),
  add: editorProcedure.input(leadFieldsInput).mutation(({ ctx, input }) => addLead(ctx.services.db, input)),
  update: editorProcedure.input(z.object({ id: z.number().int().positive(), fields: leadFieldsInput })).mutation(({ ctx, input }) => updateLead(ctx.services.db, input.id, input.fields)),
  /** Deletes the lead and anonymises its history (decision 032). */
  delete: editorProcedure.input(z.object({ id: z.number().int().positive() })).mutation(({ ctx, input }) => deleteLead(ctx.services.db, input.id)),
  /** The rejected lines of an import, as a CSV to fix and import again. */
  rejectedCsv: editorProcedure.input(z.object({ importId: z.number().int().positive() })).query(({ ctx, input }) => rejectedLinesCsv(ctx.services.db, input.importId)),
});

export const listsRouter = router({
  list: authedProcedure.query(({ ctx }) => listLists(ctx.services.db)),
  create: editorProcedure.input(newListInput).mutation(({ ctx, input }) => createList(ctx.services.db, input)),
  get: authedProcedure.input(listMembersInput).query(({ ctx, input }) => listWithMembers(ctx.services.db, input)),
  /** Members as a spreadsheet-safe CSV. */
  exportCsv: authedProcedure.input(z.object({ listId: z.number().int().positive() })).query(({ ctx, input }) => listMembersCsv(ctx.services.db, input.listId)),
  removeMembers: editorProcedure
    .input(z.object({ listId: z.number().int().positive(), leadIds: z.array(z.number().int().positive()).min(1).max(500) }))
    .mutation(({ ctx, input }) => removeFromList(ctx.services.db, input.listId, input.leadIds)),
});

export const suppressionsRouter = router({
  list: authedProcedure.input(suppressionListInput).query(({ ctx, input }) => listSuppressions(ctx.services.db, input)),
  add: editorProcedure.input(addSuppressionInput).mutation(({ ctx, input }) => addManualSuppression(ctx.services.db, input)),
  lift: editorProcedure.input(z.object({ id: z.number().int().positive() })).mutation(({ ctx, input }) => liftSuppression(ctx.services.db, input.id)),
});
