import { existsSync } from "node:fs";
import type { Server } from "node:http";
import { fileURLToPath, pathToFileURL } from "node:url";
import type { ServerBuild } from "@remix-run/node";
import { startWorker, type WorkerHandle } from "../../jobs/runner";
import { DEMO_ADMIN, demoAdminStillDefault, seedDemoData } from "../../server/demo/seed";
import { createHttpApp } from "../../server/http/app";
import type { AirtableBase } from "../../sync/client";
import { configuredBases, queueFullSync, schemaOf, type BaseName } from "../../sync/run";
import { startAirtableServer } from "../../sync/sandbox/airtable-server";
import { checkSchema, initSchema } from "../../sync/schema-check";
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
    const sandbox = await startSandboxIfAsked();
    const app = await boot();
    const { services, config } = app;
    if (sandbox) {
      const bases = configuredBases(services);
      await initSchema(bases.control!, schemaOf("control"));
      await initSchema(bases.performance!, schemaOf("performance"));
      await queueFullSync(services);
      services.log.info(`Airtable sandbox on ${sandbox.url}: open it to see the mirror and play ops`);
    } else if (config.airtable === "on") {
      for (const [name, base] of Object.entries(configuredBases(services)) as Array<[BaseName, AirtableBase]>) {
        const problems = await checkSchema(base, schemaOf(name)).catch((error: Error) => [{ problem: `could not check: ${error.message}` }]);
        for (const p of problems) services.log.warn(`Airtable ${name} base: ${p.problem} (run \`npx herald airtable init\`)`);
      }
    }
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
    await sandbox?.close();
    services.log.info("Stopped");
  },
};

/** HERALD_AIRTABLE_SANDBOX=1 without a real token: a local Airtable-compatible server, so the bridge can be seen working. */
async function startSandboxIfAsked() {
  const on = ["1", "true", "yes", "on"].includes(process.env.HERALD_AIRTABLE_SANDBOX ?? "");
  if (!on || process.env.AIRTABLE_TOKEN) return null;
  const server = await startAirtableServer({ port: Number(process.env.HERALD_AIRTABLE_SANDBOX_PORT ?? 0) || undefined });
  Object.assign(process.env, { AIRTABLE_TOKEN: server.token, AIRTABLE_ENDPOINT_URL: server.url, AIRTABLE_CONTROL_BASE_ID: "appSandboxControl", AIRTABLE_PERFORMANCE_BASE_ID: "appSandboxPerformance" });
  return server;
}
