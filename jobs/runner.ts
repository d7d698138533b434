import { parseCrontab, run, Logger as WorkerLogger, type Runner } from "graphile-worker";
import { kickSending } from "../server/sending/schedule";
import type { Services } from "../server/services";
import { crontab } from "./crontab";
import { createTaskList } from "./index";

const KICK_EVERY_MS = 5_000;

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
  const stopping = new AbortController();
  const runner: Runner = await run({
    connectionString: databaseUrl,
    taskList: createTaskList(services, stopping.signal),
    parsedCronItems: parseCrontab(crontab),
    concurrency: options.concurrency,
    pollInterval: options.pollInterval ?? 1000,
    noHandleSignals: true,
    logger,
  });
  log.info("worker started", { concurrency: options.concurrency });
  // Resume at once after a restart (a dead predecessor's lanes and batches are taken over now, not at the next
  // minute), and keep checking every few seconds so a lane whose worker died elsewhere is back within its lease.
  const kick = () => kickSending(services).catch((error) => log.warn("kick-sending failed", { error: String(error) }));
  await kick();
  const kicker = setInterval(() => void kick(), KICK_EVERY_MS);
  kicker.unref();
  return {
    state: () => (stopped ? "stopped" : "running"),
    async stop() {
      if (stopped) return;
      stopped = true;
      clearInterval(kicker);
      // Sending lanes end after the batch in hand (its key and lease keep it safe) instead of running to their 20 s deadline.
      stopping.abort();
      await runner.stop();
    },
  };
}
