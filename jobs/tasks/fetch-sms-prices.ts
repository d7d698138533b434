import { z } from "zod";
import { fetchSmsPrices } from "../../server/sms/prices";
import { defineTask } from "../define";

/**
 * Every minute, in its own queue (one round at a time): asks Twilio for the
 * price of the texts that are due and sums it into their runs' cost
 * (server/sms/prices.ts). Without Twilio credentials it does nothing.
 */
export default defineTask("fetch-sms-prices", z.object({}).passthrough(), async (_p, { services, stopping }) => {
  const round = await fetchSmsPrices(services, { signal: stopping });
  if (round.checked || round.stopped) services.log.info("sms prices", { ...round });
});
