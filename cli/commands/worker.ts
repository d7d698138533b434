import { startWorker } from "../../jobs/runner";
import { boot } from "../boot";
import type { Command } from "../command";
import { stopInOrder, untilSignal } from "../signals";

export const worker: Command = {
  name: "worker",
  summary: "run background jobs (sending, stats, sync) in this process",
  usage: "herald worker [--concurrency N]",
  options: { concurrency: { type: "string" } },
  details: [
    "--concurrency N  jobs run at once in this process (default WORKER_CONCURRENCY, 4)",
    "Run as many worker processes as you like, on any machines, against one database.",
  ],
  async run({ values }) {
    const stopRequested = untilSignal(); // first: a Ctrl-C or hang-up during start-up still shuts down cleanly
    const app = await boot();
    const concurrency = values.concurrency ? Number(values.concurrency) : app.config.WORKER_CONCURRENCY;
    const handle = await startWorker(app.services, app.databaseUrl, { concurrency });
    const reason = await stopRequested;
    app.services.log.info("Stopping worker…", { reason });
    const clean = await stopInOrder(app.services.log, [
      ["worker", () => handle.stop()],
      ["database", () => app.shutdown()],
    ]);
    return reason === "error" || !clean ? 1 : 0;
  },
};
