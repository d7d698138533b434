import { doublePrecision, integer, pgTable, text } from "drizzle-orm/pg-core";
import { ts, updatedAt } from "./columns";

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

/** Provider health, cluster-wide: consecutive transient failures open a circuit that stops every lane from claiming. */
export const providerHealth = pgTable("provider_health", {
  provider: text("provider").primaryKey(),
  consecutiveFailures: integer("consecutive_failures").notNull().default(0),
  unavailableSince: ts("unavailable_since"),
  retryAt: ts("retry_at"),
  lastError: text("last_error"),
  updatedAt: updatedAt(),
});
