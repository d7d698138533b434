import { z } from "zod";
import { createCampaign, getCampaign, stepProgress, updateCampaign } from "../campaigns/campaigns";
import { archiveCampaign, deleteDraftCampaign, duplicateCampaign } from "../campaigns/housekeeping";
import { transitionCampaign } from "../campaigns/lifecycle";
import { campaignListInput, listCampaigns } from "../campaigns/list";
import { preflight } from "../campaigns/preflight";
import { campaignSettingsInput } from "../campaigns/schema";
import { RUN_AUDIENCES } from "../runs/audience";
import { failedRecipientsCsv, getRun, listRuns, recipientsInput, runNumberField, runRecipientsPage } from "../runs/queries";
import { runTimeline } from "../runs/waiting";
import { providerStatus } from "../sending/health";
import { sendTest } from "../sending/test-send";
import { smsCostShown } from "../sms/cost";
import { campaignEditorProcedure, campaignProcedure } from "../trpc/campaign-procedure";
import { authedProcedure, editorProcedure, router } from "../trpc/init";

const runNumber = z.object({ runNumber: runNumberField });
const version = z.object({ expectedVersion: z.number().int().optional() });
const audienceEnum = z.enum(RUN_AUDIENCES);

export const campaignsRouter = router({
  list: authedProcedure.input(campaignListInput).query(({ ctx, input }) => listCampaigns(ctx.services.db, input)),
  // With the provider's health, so the run's progress shows "Provider unavailable since …, retrying at …".
  /** Id, name and status only: for pages that show a campaign's name beside something else (a run's page). */
  heading: campaignProcedure.query(({ ctx }) => ctx.campaign),
  get: campaignProcedure.query(async ({ ctx }) => ({ ...(await getCampaign(ctx.services.db, ctx.campaign.id)), provider: await providerStatus(ctx.services.db) })),
  create: editorProcedure.input(campaignSettingsInput).mutation(({ ctx, input }) => createCampaign(ctx.services.db, input, ctx.user.id)),
  update: campaignEditorProcedure
    .input(z.object({ settings: campaignSettingsInput, expectedVersion: z.number().int().optional(), applyToCurrentRun: z.boolean().default(false) }))
    .mutation(({ ctx, input }) => updateCampaign(ctx.services.db, ctx.campaign.id, input.settings, input.expectedVersion, { applyToCurrentRun: input.applyToCurrentRun })),

  start: campaignEditorProcedure.input(version).mutation(({ ctx, input }) => transitionCampaign(ctx.services.db, ctx.campaign.id, "start", { source: "app", expectedVersion: input.expectedVersion })),
  pause: campaignEditorProcedure.input(version).mutation(({ ctx, input }) => transitionCampaign(ctx.services.db, ctx.campaign.id, "pause", { source: "app", expectedVersion: input.expectedVersion })),
  resume: campaignEditorProcedure.input(version).mutation(({ ctx, input }) => transitionCampaign(ctx.services.db, ctx.campaign.id, "resume", { source: "app", expectedVersion: input.expectedVersion })),
  cancel: campaignEditorProcedure.input(version).mutation(({ ctx, input }) => transitionCampaign(ctx.services.db, ctx.campaign.id, "cancel", { source: "app", expectedVersion: input.expectedVersion })),
  rerun: campaignEditorProcedure
    .input(version.extend({ audience: audienceEnum.default("everyone") }))
    .mutation(({ ctx, input }) => transitionCampaign(ctx.services.db, ctx.campaign.id, "rerun", { source: "app", audience: input.audience, expectedVersion: input.expectedVersion })),

  /** A new draft with the same steps, audience and schedule. */
  duplicate: campaignEditorProcedure.mutation(({ ctx }) => duplicateCampaign(ctx.services.db, ctx.campaign.id, ctx.user.id)),
  /** Hide from the default list, keeping every run and event; `archived: false` brings it back. */
  archive: campaignEditorProcedure.input(z.object({ archived: z.boolean().default(true) })).mutation(({ ctx, input }) => archiveCampaign(ctx.services.db, ctx.campaign.id, input.archived)),
  /** Only a draft that never ran. */
  deleteDraft: campaignEditorProcedure.mutation(({ ctx }) => deleteDraftCampaign(ctx.services.db, ctx.campaign.id)),

  /** Who a Start or Rerun would reach now, for the confirm dialog. */
  preflight: campaignProcedure.input(z.object({ audience: audienceEnum.default("everyone") })).query(({ ctx, input }) => preflight(ctx.services.db, ctx.campaign.id, input.audience)),

  /** Every step to the signed-in user, rendered for a lead of the audience. */
  testSend: campaignEditorProcedure.mutation(({ ctx }) => sendTest(ctx.services, ctx.campaign.id, ctx.user.email)),

  stepProgress: campaignProcedure.query(({ ctx }) => stepProgress(ctx.services.db, ctx.campaign.id)),
  runs: campaignProcedure.query(({ ctx }) => listRuns(ctx.services.db, ctx.campaign.id)),
  run: campaignProcedure.input(runNumber).query(({ ctx, input }) => getRun(ctx.services.db, ctx.campaign.id, input.runNumber)),
  /** What Twilio charged for the campaign's texts (every run), or one run's; null without a Twilio account. */
  smsCost: campaignProcedure.input(runNumber.partial()).query(async ({ ctx, input }) => smsCostShown(ctx.services.db, ctx.services.config.smsTransport, {
    campaignId: ctx.campaign.id, runId: input.runNumber ? (await getRun(ctx.services.db, ctx.campaign.id, input.runNumber)).id : undefined,
  })),
  recipients: authedProcedure.input(recipientsInput).query(({ ctx, input }) => runRecipientsPage(ctx.services.db, input)),
  /** Per-step progress, estimated finish, and why each listed recipient's next email waits. */
  runTimeline: campaignProcedure
    .input(runNumber.extend({ recipientIds: z.array(z.number().int().positive()).max(500).default([]) }))
    .query(({ ctx, input }) => runTimeline(ctx.services.db, ctx.campaign.id, input.runNumber, input.recipientIds)),
  failedCsv: campaignProcedure.input(runNumber).query(({ ctx, input }) => failedRecipientsCsv(ctx.services.db, ctx.campaign.id, input.runNumber)),
});
