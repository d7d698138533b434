import { z } from "zod";
import { syncOnce } from "../../sync/run";
import { defineTask } from "../define";

/**
 * Every minute (and on "sync now"), in the "airtable" queue so rounds never
 * overlap: pull the Control base, then push what changed. It never touches
 * the send path; an outage only delays the mirror.
 */
export default defineTask("sync-airtable", z.object({ base: z.enum(["control", "performance"]).optional() }).passthrough(), async (p, { services }) => {
  const results = await syncOnce(services, p.base);
  for (const r of results) {
    if (r.error || r.pushed || r.pulled?.changed) services.log.info("airtable sync", { base: r.base, pushed: r.pushed, ...r.pulled, ...(r.error ? { error: r.error } : {}) });
  }
});
