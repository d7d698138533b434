import { sql } from "drizzle-orm";
import { z } from "zod";
import { enqueue } from "../../server/queue";
import { CLICK_HOLD_MS, foldEvents } from "../../server/tracking/fold";
import { defineTask } from "../define";

/** Folds queued opens, clicks and webhook events into counters; queued in the "fold" queue so folds never overlap. */
export default defineTask("fold-events", z.object({}).passthrough(), async (_p, { services }) => {
  let folded = 0;
  for (let n = await foldEvents(services.db); n > 0; n = await foldEvents(services.db)) folded += n;
  if (folded) services.log.debug("folded events", { folded });
  // Clicks younger than the burst window wait (fold.ts): come back for them rather than leave them to the minute cron.
  const [held] = await services.db.execute<{ held: boolean }>(sql`select exists (select 1 from event_folds where type = 'clicked') as held`);
  if (held?.held) {
    await enqueue(services.db, "fold-events", {}, { jobKey: "fold-events", jobKeyMode: "preserve_run_at", runAt: new Date(Date.now() + CLICK_HOLD_MS), queueName: "fold" });
  }
});
