import { z } from "zod";
import { enqueue } from "../../server/queue";
import { syncOnce } from "../../sync/run";
import { defineTask } from "../define";

/**
 * Every minute and on "Sync now", both in the "airtable" queue, so the
 * worker runs them one after the other; a round started elsewhere (`herald
 * sync`) holds the base's lease, and a "Sync now" that finds it taken comes
 * back five seconds later instead of being lost. It never touches the send
 * path; an outage only delays the mirror.
 */
export default defineTask("sync-airtable", z.object({ base: z.enum(["control", "performance"]).optional(), now: z.boolean().optional() }).passthrough(), async (p, { services }) => {
  const results = await syncOnce(services, p.base);
  for (const r of results) {
    if (r.error || r.pushed || r.pulled?.changed || r.skipped) services.log.info("airtable sync", { base: r.base, pushed: r.pushed, ...r.pulled, ...(r.error ? { error: r.error } : {}), ...(r.skipped ? { skipped: r.skipped } : {}) });
  }
  if (p.now && results.some((r) => r.skipped)) {
    await enqueue(services.db, "sync-airtable", { now: true }, { queueName: "airtable", jobKey: "sync-airtable-now", runAt: new Date(Date.now() + 5_000) });
  }
});
