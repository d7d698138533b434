import { boot } from "../boot";
import type { Command } from "../command";

export const migrate: Command = {
  name: "migrate",
  summary: "apply database migrations (Herald's and graphile-worker's)",
  usage: "herald migrate",
  details: ["Uses DATABASE_URL, or the embedded PostgreSQL in HERALD_DATA_DIR when it is unset."],
  async run() {
    const app = await boot();
    app.services.log.info("Database is up to date");
    await app.shutdown();
  },
};
