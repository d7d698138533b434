import { existsSync } from "node:fs";
import type { Server } from "node:http";
import { fileURLToPath, pathToFileURL } from "node:url";
import type { ServerBuild } from "@remix-run/node";
import { startWorker, type WorkerHandle } from "../../jobs/runner";
import { DEMO_ADMIN, demoAdminStillDefault, seedDemoData } from "../../server/demo/seed";
import { createHttpApp } from "../../server/http/app";
import { boot } from "../boot";
import type { Command } from "../command";
import { untilSignal } from "../signals";

const root = fileURLToPath(new URL("../../", import.meta.url));

export const start: Command = {
  name: "start",
  summary: "serve the web app and run a worker in one process (what `npm start` runs)",
  usage: "herald start [--no-worker]",
  options: { "no-worker": { type: "boolean" } },
  details: [
    "--no-worker  serve the web app only; run `herald worker` elsewhere",
    "Needs the Remix build: `npm start` builds it first (`npm run build`).",
  ],
  async run({ values }) {
    const started = Date.now();
    const buildPath = `${root}build/index.js`;
    if (!existsSync(buildPath)) {
      console.error("The web app is not built yet: run `npm run build` (npm start does it for you).");
      return 1;
    }
    const app = await boot();
    const { services, config } = app;
    const seeded = config.HERALD_DEMO_DATA !== false && (await seedDemoData(services.db));
    if (seeded) services.log.info("Demo data created: leads, lists, templates and campaigns");

    let worker: WorkerHandle | null = null;
    if (config.HERALD_IN_PROCESS_WORKER && !values["no-worker"]) {
      worker = await startWorker(services, app.databaseUrl, { concurrency: config.WORKER_CONCURRENCY });
    }
    const build = (await import(pathToFileURL(buildPath).href)) as ServerBuild;
    const http = createHttpApp(
      services,
      build,
      {
        worker: () => worker?.state() ?? "not-in-this-process",
        sync: () => (config.airtable === "off" ? { state: "off", reason: "AIRTABLE_TOKEN is not set" } : { state: "on" }),
      },
      `${root}public`,
    );
    const server: Server = await new Promise((resolve, reject) => {
      const s = http.listen(config.PORT, config.HOST, () => resolve(s));
      s.once("error", reject);
    });
    services.log.info(`Herald is ready on ${config.publicUrl}`, { startupMs: Date.now() - started, transport: config.transport, airtable: config.airtable, database: app.embedded ? "embedded" : "DATABASE_URL" });
    if (await demoAdminStillDefault(services.db)) {
      console.log(`\n  Sign in at ${config.publicUrl}/login as ${DEMO_ADMIN.email} / ${DEMO_ADMIN.password}\n  (demo account: change its password or add your own admin with \`npx herald user add\`)\n`);
    }

    await untilSignal();
    services.log.info("Shutting down…");
    await new Promise<void>((resolve) => server.close(() => resolve()));
    server.closeAllConnections?.();
    await worker?.stop();
    await app.shutdown();
    services.log.info("Stopped");
  },
};
