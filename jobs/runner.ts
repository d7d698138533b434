import { parseCrontab, run, Logger as WorkerLogger, type Runner } from "graphile-worker";
import type { Services } from "../server/services";
import { crontab } from "./crontab";
import { createTaskList } from "./index";

export interface WorkerHandle {
  state(): "running" | "stopped";
  stop(): Promise<void>;
}

export async function startWorker(services: Services, databaseUrl: string, options: { concurrency: number; pollInterval?: number }): Promise<WorkerHandle> {
  const log = services.log.child({ component: "worker" });
  const logger = new WorkerLogger((scope) => (level, message) => {
    if (level === "error") log.error(message, { scope: scope.label });
    else if (level === "warning") log.warn(message, { scope: scope.label });
    else if (level === "debug") log.debug(message);
  });
  let stopped = false;
  const runner: Runner = await run({
    connectionString: databaseUrl,
    taskList: createTaskList(services),
    parsedCronItems: parseCrontab(crontab),
    concurrency: options.concurrency,
    pollInterval: options.pollInterval ?? 1000,
    noHandleSignals: true,
    logger,
  });
  log.info("worker started", { concurrency: options.concurrency });
  return {
    state: () => (stopped ? "stopped" : "running"),
    async stop() {
      if (stopped) return;
      stopped = true;
      await runner.stop();
    },
  };
}
