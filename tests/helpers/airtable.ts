import type { Services } from "../../server/services";
import { startAirtableServer, type AirtableServer } from "../../sync/sandbox/airtable-server";
import { configuredBases, enableSync, schemaOf } from "../../sync/run";
import { initSchema } from "../../sync/schema-check";

export const CONTROL = "appControlTest0001";
export const PERFORMANCE = "appPerformance0001";

/** The strict Airtable-compatible server with both bases created (as `herald airtable init` does), and services configured to use it. */
export async function airtableFixture(services: Services, options: { now?: () => number } = {}) {
  const server: AirtableServer = await startAirtableServer({ now: options.now });
  const configured: Services = {
    ...services,
    config: { ...services.config, AIRTABLE_TOKEN: server.token, AIRTABLE_ENDPOINT_URL: server.url, AIRTABLE_CONTROL_BASE_ID: CONTROL, AIRTABLE_PERFORMANCE_BASE_ID: PERFORMANCE, airtable: "on" },
  };
  const bases = configuredBases(configured);
  await initSchema(bases.control!, schemaOf("control"));
  await initSchema(bases.performance!, schemaOf("performance"));
  await enableSync(configured);
  return { server, services: configured, bases };
}
