import { existsSync } from "node:fs";
import type { Server } from "node:http";
import { pathToFileURL } from "node:url";
import type { ServerBuild } from "@remix-run/node";
import { startWorker, type WorkerHandle } from "../../jobs/runner";
import { createHttpApp } from "../../server/http/app";
import type { AirtableBase } from "../../sync/client";
import { configuredBases, enableSync, schemaOf, type BaseName } from "../../sync/run";
import { startAirtableServer } from "../../sync/sandbox/airtable-server";
import { checkSchema, initSchema } from "../../sync/schema-check";
import { projectRoot } from "../../db/root";
import { boot } from "../boot";
import type { Command } from "../command";
import { prepareFirstRun } from "../first-run";
import { stopInOrder, untilSignal } from "../signals";

const root = `${projectRoot()}/`;

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
    const stopRequested = untilSignal(); // first: a Ctrl-C or hang-up during start-up still shuts down cleanly
    const started = Date.now();
    const buildPath = `${root}build/index.js`;
    if (!existsSync(buildPath)) {
      console.error("The web app is not built yet: run `npm run build` (npm start does it for you).");
      return 1;
    }
    process.env.NODE_ENV ??= "production"; // NODE_ENV=development shows more in errors; it must be asked for
    const sandbox = await startSandboxIfAsked();
    const app = await boot();
    const { services, config } = app;
    if (sandbox) {
      const bases = configuredBases(services);
      await initSchema(bases.control!, schemaOf("control"));
      await initSchema(bases.performance!, schemaOf("performance"));
      await enableSync(services);
      services.log.info(`Airtable sandbox on ${sandbox.url}: open it to see the mirror and play ops`);
    } else if (config.airtable === "on") {
      for (const [name, base] of Object.entries(configuredBases(services)) as Array<[BaseName, AirtableBase]>) {
        const problems = await checkSchema(base, schemaOf(name)).catch((error: Error) => [{ problem: `could not check: ${error.message}` }]);
        for (const p of problems.filter((x) => !("optional" in x && x.optional))) services.log.warn(`Airtable ${name} base: ${p.problem} (run \`npx herald airtable init\`)`);
      }
    }
    const firstRun = await prepareFirstRun(app);

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
    const server: Server | null = await new Promise<Server>((resolve, reject) => {
      const s = http.listen(config.PORT, config.HOST ?? (app.embedded ? "127.0.0.1" : "0.0.0.0"), () => resolve(s));
      s.once("error", reject);
    }).catch((error: NodeJS.ErrnoException) => {
      services.log.error(error.code === "EADDRINUSE" ? `Port ${config.PORT} is in use: stop what runs there or set PORT` : `Could not listen on ${config.HOST}:${config.PORT}`, { error: error.message });
      return null;
    });
    if (!server) {
      // Never listened: stop what did start, so nothing (the database above all) is left running.
      await stopInOrder(services.log, [["worker", () => worker?.stop()], ["database", () => app.shutdown()], ["Airtable sandbox", () => sandbox?.close()]]);
      return 1;
    }
    services.log.info(`Herald is ready on ${config.publicUrl}`, { startupMs: Date.now() - started, transport: config.transport, airtable: config.airtable, database: app.embedded ? "embedded" : "DATABASE_URL" });
    if (firstRun.length) console.log(`\n${firstRun.map((line) => `  ${line}`).join("\n")}\n`);

    const reason = await stopRequested;
    services.log.info("Shutting down…", { reason });
    const clean = await stopInOrder(services.log, [
      ["web server", () => closeServer(server)],
      ["worker", () => worker?.stop()],
      ["database", () => app.shutdown()],
      ["Airtable sandbox", () => sandbox?.close()],
    ]);
    services.log.info("Stopped");
    return reason === "error" || !clean ? 1 : 0;
  },
};

/** Stops accepting, lets requests in flight finish (idle keep-alive sockets close now), and cuts the rest after 5 s. */
async function closeServer(server: Server) {
  const closed = new Promise<void>((resolve) => server.close(() => resolve()));
  server.closeIdleConnections();
  const force = setTimeout(() => server.closeAllConnections(), 5000);
  await closed;
  clearTimeout(force);
}

/** HERALD_AIRTABLE_SANDBOX=1 without a real token: a local Airtable-compatible server, so the bridge can be seen working. */
async function startSandboxIfAsked() {
  const on = ["1", "true", "yes", "on"].includes(process.env.HERALD_AIRTABLE_SANDBOX ?? "");
  if (!on || process.env.AIRTABLE_TOKEN) return null;
  const server = await startAirtableServer({ port: Number(process.env.HERALD_AIRTABLE_SANDBOX_PORT ?? 0) || undefined });
  Object.assign(process.env, { AIRTABLE_TOKEN: server.token, AIRTABLE_ENDPOINT_URL: server.url, AIRTABLE_CONTROL_BASE_ID: "appSandboxControl", AIRTABLE_PERFORMANCE_BASE_ID: "appSandboxPerformance" });
  return server;
}
