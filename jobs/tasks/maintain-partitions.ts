import { z } from "zod";
import { deleteExpiredSessions, maintainEventPartitions } from "../../server/maintenance/partitions";
import { defineTask } from "../define";

export default defineTask("maintain-partitions", z.object({}).passthrough(), async (_payload, { services }) => {
  const result = await maintainEventPartitions(services.db, services.config.EVENT_RETENTION_MONTHS);
  const sessions = await deleteExpiredSessions(services.db);
  services.log.info("maintenance done", { ...result, expiredSessions: sessions });
});
