import { doublePrecision, pgTable, text } from "drizzle-orm/pg-core";
import { ts } from "./columns";

/**
 * Cluster-wide pacing for rate-limited providers (Resend, each Airtable base):
 * every caller reserves the next free slot with one UPDATE, so the limit holds
 * across any number of worker processes.
 */
export const rateLimits = pgTable("rate_limits", {
  key: text("key").primaryKey(),
  requestsPerSecond: doublePrecision("requests_per_second").notNull(),
  nextSlotAt: ts("next_slot_at").notNull().defaultNow(),
  blockedUntil: ts("blocked_until"),
});

/** Values the installation keeps across restarts (e.g. the generated signing secret). */
export const settings = pgTable("settings", {
  key: text("key").primaryKey(),
  value: text("value").notNull(),
});
