import { createCallerFactory, router } from "../trpc/init";
import { leadsRouter, listsRouter, suppressionsRouter } from "./audience";
import { authRouter } from "./auth";
import { campaignsRouter } from "./campaigns";
import { engagementRouter } from "./engagement";
import { statsRouter } from "./stats";
import { syncRouter } from "./sync";
import { sendersRouter } from "./senders";
import { outboxRouter, templatesRouter } from "./templates";
import { usersRouter } from "./users";

export const appRouter = router({
  auth: authRouter,
  users: usersRouter,
  campaigns: campaignsRouter,
  engagement: engagementRouter,
  leads: leadsRouter,
  lists: listsRouter,
  templates: templatesRouter,
  senders: sendersRouter,
  outbox: outboxRouter,
  stats: statsRouter,
  suppressions: suppressionsRouter,
  sync: syncRouter,
});

export type AppRouter = typeof appRouter;
export const createCaller = createCallerFactory(appRouter);
export type Caller = ReturnType<typeof createCaller>;
