import { z } from "zod";
import { foldEvents } from "../../server/tracking/fold";
import { defineTask } from "../define";

/** Folds queued opens, clicks and webhook events into counters; queued in the "fold" queue so folds never overlap. */
export default defineTask("fold-events", z.object({}).passthrough(), async (_p, { services }) => {
  let folded = 0;
  for (let n = await foldEvents(services.db); n > 0; n = await foldEvents(services.db)) folded += n;
  if (folded) services.log.debug("folded events", { folded });
});
