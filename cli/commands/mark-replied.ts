import { findCampaignByName } from "../../server/campaigns/campaigns";
import { markReplied } from "../../server/tracking/replies";
import { boot } from "../boot";
import { requireString, UsageError, type Command } from "../command";

export const markRepliedCommand: Command = {
  name: "mark-replied",
  summary: "record a reply found outside Herald; stops that recipient's remaining stop-on-reply steps",
  usage: "herald mark-replied EMAIL --campaign NAME",
  options: { campaign: { type: "string" } },
  details: ["EMAIL            the address that replied", "--campaign NAME  the campaign it replied to (its latest run that mailed the address)"],
  async run({ values, positionals }) {
    const email = positionals[0];
    if (!email) throw new UsageError("EMAIL is required");
    const name = requireString(values, "campaign");
    const app = await boot();
    try {
      const { id } = await findCampaignByName(app.services.db, name);
      const result = await markReplied(app.services.db, id, email);
      console.log(result.first
        ? `Recorded the reply from ${email} to run ${result.runNumber} of "${name}"; ${result.skipped} remaining ${result.skipped === 1 ? "step" : "steps"} skipped.`
        : `${email} had already replied to run ${result.runNumber} of "${name}"; ${result.skipped} remaining ${result.skipped === 1 ? "step" : "steps"} skipped.`);
    } finally {
      await app.shutdown();
    }
  },
};
