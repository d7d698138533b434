import { listCampaigns, campaignListInput } from "../campaigns/list";
import { authedProcedure, router } from "../trpc/init";

export const campaignsRouter = router({
  list: authedProcedure.input(campaignListInput).query(({ ctx, input }) => listCampaigns(ctx.services.db, input)),
});
