import { createCallerFactory, router } from "../trpc/init";
import { authRouter } from "./auth";
import { campaignsRouter } from "./campaigns";
import { usersRouter } from "./users";

export const appRouter = router({
  auth: authRouter,
  users: usersRouter,
  campaigns: campaignsRouter,
});

export type AppRouter = typeof appRouter;
export const createCaller = createCallerFactory(appRouter);
export type Caller = ReturnType<typeof createCaller>;
