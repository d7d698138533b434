import { z } from "zod";
import { kickSending } from "../../server/sending/schedule";
import { defineTask } from "../define";

export default defineTask("kick-sending", z.object({}).passthrough(), async (_p, { services }) => {
  await kickSending(services);
});
