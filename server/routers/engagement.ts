import { z } from "zod";
import { recipientFilters, recipientsCsv } from "../runs/engagement";
import { getRun, runNumberField } from "../runs/queries";
import { linkStats } from "../stats/links";
import { campaignProcedure } from "../trpc/campaign-procedure";
import { router } from "../trpc/init";

const runNumber = runNumberField;

/** Who engaged and with what: per link and per person (docs/decisions/020). Viewers may read all of it. */
export const engagementRouter = router({
  /** Every tracked link of the campaign, or of one run, with human and machine clicks and people. */
  links: campaignProcedure.input(z.object({ runNumber: runNumber.optional() })).query(async ({ ctx, input }) => {
    const runId = input.runNumber ? (await getRun(ctx.services.db, ctx.campaign.id, input.runNumber)).id : undefined;
    return linkStats(ctx.services.db, { campaignId: ctx.campaign.id, runId });
  }),
  /** A run's recipients matching any filter of the recipients list, as CSV (formula-safe). */
  recipientsCsv: campaignProcedure.input(recipientFilters.extend({ runNumber })).query(async ({ ctx, input }) => {
    const run = await getRun(ctx.services.db, ctx.campaign.id, input.runNumber);
    return recipientsCsv(ctx.services.db, ctx.campaign.id, run.id, input);
  }),
});
