import { z } from "zod";
import { listOutbox } from "../runs/queries";
import { activeRunsUsingTemplate, applyTemplateToActiveRuns } from "../runs/snapshot";
import { outboxMessageForReading } from "../sending/outbox-view";
import { createTemplate, getTemplate, listTemplates, previewInput, previewTemplate, templateInput, updateTemplate } from "../templates/templates";
import { deleteTemplate, duplicateTemplate, previewLeads, templateUsage } from "../templates/manage";
import { textFromHtml } from "../templates/plain-text";
import { authedProcedure, editorProcedure, router } from "../trpc/init";

const id = z.object({ id: z.number().int().positive() });

export const templatesRouter = router({
  list: authedProcedure.query(({ ctx }) => listTemplates(ctx.services.db)),
  get: authedProcedure.input(id).query(({ ctx, input }) => getTemplate(ctx.services.db, input.id)),
  create: editorProcedure.input(templateInput).mutation(({ ctx, input }) => createTemplate(ctx.services.db, input)),
  update: editorProcedure.input(id.extend({ template: templateInput })).mutation(({ ctx, input }) => updateTemplate(ctx.services.db, input.id, input.template)),
  /** Runs under way that keep an older copy of this template (they started before the edit). */
  activeRuns: authedProcedure.input(id).query(({ ctx, input }) => activeRunsUsingTemplate(ctx.services.db, input.id)),
  /** The user chose to change mail not sent yet: those runs take the saved version. */
  applyToActiveRuns: editorProcedure.input(id).mutation(async ({ ctx, input }) => ({ steps: await applyTemplateToActiveRuns(ctx.services.db, input.id) })),
  preview: authedProcedure.input(previewInput).query(({ ctx, input }) => previewTemplate(ctx.services.db, input)),
  /** Campaigns whose steps use it. */
  usedBy: authedProcedure.input(id).query(({ ctx, input }) => templateUsage(ctx.services.db, input.id)),
  /** Leads of its audiences to preview as, and the merge tags their fields offer. */
  previewLeads: authedProcedure.input(id.extend({ q: z.string().trim().max(200).optional() })).query(({ ctx, input }) => previewLeads(ctx.services.db, input.id, input.q)),
  plainText: authedProcedure.input(z.object({ html: z.string().max(500_000) })).query(({ input }) => ({ text: textFromHtml(input.html) })),
  duplicate: editorProcedure.input(id).mutation(({ ctx, input }) => duplicateTemplate(ctx.services.db, input.id)),
  delete: editorProcedure.input(id).mutation(({ ctx, input }) => deleteTemplate(ctx.services.db, input.id)),
});

export const outboxRouter = router({
  list: authedProcedure
    .input(z.object({ page: z.number().int().min(1).default(1), search: z.string().trim().max(200).optional() }))
    .query(async ({ ctx, input }) => {
      const page = await listOutbox(ctx.services.db, input);
      const reading = { publicUrl: ctx.services.config.publicUrl, secret: ctx.services.secret, role: ctx.user.role };
      return { ...page, messages: page.messages.map((m) => outboxMessageForReading(m, reading)) };
    }),
});
