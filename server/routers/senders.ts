import { createSender, createSmsSender, dailyCapInput, listSenders, senderInput, setDailyCap, smsSenderInput } from "../senders/identities";
import { authedProcedure, editorProcedure, router } from "../trpc/init";

/** Sender identities of both channels: everyone reads them with today's usage; editors add them and set their caps. */
export const sendersRouter = router({
  list: authedProcedure.query(({ ctx }) => listSenders(ctx.services.db, ctx.services.config)),
  /** An email from-address. */
  create: editorProcedure.input(senderInput).mutation(({ ctx, input }) => createSender(ctx.services.db, input)),
  /** A Twilio number or Messaging Service SID. */
  createSms: editorProcedure.input(smsSenderInput).mutation(({ ctx, input }) => createSmsSender(ctx.services.db, input, ctx.services.config)),
  setDailyCap: editorProcedure.input(dailyCapInput).mutation(({ ctx, input }) => setDailyCap(ctx.services.db, input)),
});
