import type { Logger } from "../server/lib/log";

export type StopReason = NodeJS.Signals | "error";

const STOP_SIGNALS: NodeJS.Signals[] = ["SIGINT", "SIGTERM", "SIGHUP"];
/** After an unexpected error the shutdown gets this long before the process exits anyway. */
const FATAL_SHUTDOWN_MS = 30_000;

/**
 * Resolves when a long-running command should shut down cleanly: Ctrl-C,
 * SIGTERM, SIGHUP (the terminal was closed: without a handler Node would die
 * on the spot and leave the embedded database running), or an error nothing
 * else caught (`uncaughtException`, `unhandledRejection`), which is logged
 * instead of killing the process mid-write. A second Ctrl-C exits at once.
 * Call it before start-up: a signal during boot then shuts down right after.
 */
export function untilSignal(): Promise<StopReason> {
  // A closed terminal makes every later write fail (EIO/EPIPE); those errors
  // must not turn into fatal errors of their own while we shut down.
  for (const stream of [process.stdout, process.stderr]) stream.on("error", () => {});
  return new Promise((resolve) => {
    let stopping = false;
    const onSignal = (signal: NodeJS.Signals) => {
      if (stopping) {
        if (signal === "SIGINT") process.exit(130);
        return;
      }
      stopping = true;
      resolve(signal);
    };
    const onFatal = (error: unknown) => {
      const detail = error instanceof Error ? (error.stack ?? error.message) : String(error);
      console.error(`${new Date().toISOString()} ERROR Unexpected error${stopping ? " while shutting down" : ", shutting down"}: ${detail}`);
      process.exitCode = 1;
      if (stopping) return;
      stopping = true;
      setTimeout(() => process.exit(1), FATAL_SHUTDOWN_MS).unref();
      resolve("error");
    };
    for (const signal of STOP_SIGNALS) process.on(signal, onSignal);
    process.on("uncaughtException", onFatal);
    process.on("unhandledRejection", onFatal);
  });
}

/**
 * Runs shutdown steps in order (web, worker, then the database), each even
 * when an earlier one failed: a worker that cannot stop cleanly must not
 * leave the embedded PostgreSQL running.
 */
export async function stopInOrder(log: Logger, steps: Array<[string, () => Promise<unknown> | unknown]>): Promise<boolean> {
  let clean = true;
  for (const [name, step] of steps) {
    try {
      await step();
    } catch (error) {
      clean = false;
      log.error(`Could not stop the ${name} cleanly`, { error: error instanceof Error ? error.message : String(error) });
    }
  }
  return clean;
}
