import { TRPCError } from "@trpc/server";
import { eq } from "drizzle-orm";
import { z } from "zod";
import { campaigns } from "../../db/schema";
import { authedProcedure, editorProcedure } from "./init";

const byCampaign = z.object({ campaignId: z.number().int().positive() });

/** Loads the campaign named by `campaignId` (or answers NOT_FOUND) before the handler runs. */
const withCampaign = <P extends typeof authedProcedure>(procedure: P) =>
  procedure.input(byCampaign).use(async ({ ctx, input, next }) => {
    const [campaign] = await ctx.services.db.select({ id: campaigns.id, name: campaigns.name, status: campaigns.status }).from(campaigns).where(eq(campaigns.id, input.campaignId));
    if (!campaign) throw new TRPCError({ code: "NOT_FOUND", message: "That campaign does not exist." });
    return next({ ctx: { ...ctx, campaign } });
  });

export const campaignProcedure = withCampaign(authedProcedure);
export const campaignEditorProcedure = withCampaign(editorProcedure);
