import { sql } from "drizzle-orm";
import { index, integer, pgEnum, pgTable, text, uniqueIndex } from "drizzle-orm/pg-core";
import { createdAt, id, ref, ts, updatedAt } from "./columns";

export const userRole = pgEnum("user_role", ["admin", "editor", "viewer"]);

export const users = pgTable(
  "users",
  {
    id: id().primaryKey(),
    email: text("email").notNull(),
    name: text("name").notNull().default(""),
    role: userRole("role").notNull().default("viewer"),
    passwordHash: text("password_hash").notNull(),
    disabledAt: ts("disabled_at"),
    createdAt: createdAt(),
    updatedAt: updatedAt(),
  },
  (t) => [uniqueIndex("users_email_lower_key").on(sql`lower(${t.email})`)],
);

/** Server-side sessions. The cookie holds a random token; only its SHA-256 is stored. */
export const sessions = pgTable(
  "sessions",
  {
    tokenHash: text("token_hash").primaryKey(),
    userId: ref("user_id").notNull().references(() => users.id, { onDelete: "cascade" }),
    expiresAt: ts("expires_at").notNull(),
    lastSeenAt: ts("last_seen_at").notNull().defaultNow(),
    userAgent: text("user_agent"),
    createdAt: createdAt(),
  },
  (t) => [index("sessions_user_id_idx").on(t.userId), index("sessions_expires_at_idx").on(t.expiresAt)],
);

/**
 * Failed sign-ins per account ("account:<email>") and per client address
 * ("address:<ip>"), in PostgreSQL so every web process shares the count.
 */
export const loginThrottle = pgTable(
  "login_throttle",
  {
    key: text("key").primaryKey(),
    failures: integer("failures").notNull().default(0),
    windowStartedAt: ts("window_started_at").notNull().defaultNow(),
    lockedUntil: ts("locked_until"),
  },
  (t) => [index("login_throttle_window_started_at_idx").on(t.windowStartedAt)],
);
