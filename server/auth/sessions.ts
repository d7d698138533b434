import { createHash, randomBytes } from "node:crypto";
import { and, eq, gt, ne, sql } from "drizzle-orm";
import { sessions, users } from "../../db/schema";
import type { Database, Executor } from "../../db/client";
import { Unauthorized } from "../errors";
import { hashPassword, needsRehash, PASSWORD_MAX, verifyPassword } from "./password";
import { settleSuccess, takeAttempt } from "./throttle";
import type { PublicUser } from "./users";

export const SESSION_COOKIE = "herald_session";
const SESSION_DAYS = 14;
// Verifying against a real hash when the email is unknown keeps login timing the same either way.
const DUMMY_HASH = "$argon2id$v=19$m=19456,t=2,p=1$N6cQ84VV2B6vsbq6Q69YYA$Z0DADSb0/a/s3IzPFJWLc1LGfaTX0BpldkuNqPQHYbg";
const NO_MATCH = "That email and password do not match an account.";

const hashToken = (token: string) => createHash("sha256").update(token).digest("hex");

export interface Session {
  token: string;
  expiresAt: Date;
  user: PublicUser;
}

export interface LoginOptions {
  userAgent?: string;
  /** The client's address, for the per-address throttle. */
  address?: string;
}

/**
 * Takes an attempt from the throttle first (a locked account or address is
 * refused before any password is checked), then checks the password; a right
 * one gives the attempt back, and a hash made with older parameters is
 * replaced by a current one.
 */
export async function login(db: Database, email: string, password: string, options: LoginOptions | string = {}): Promise<Session> {
  const { userAgent, address } = typeof options === "string" ? { userAgent: options, address: undefined } : options;
  await takeAttempt(db, email, address);
  const [user] = await db.select().from(users).where(sql`lower(${users.email}) = lower(${email.trim()})`);
  const ok = password.length <= PASSWORD_MAX && (await verifyPassword(password, user?.passwordHash ?? DUMMY_HASH));
  if (!user || !ok || user.disabledAt) throw new Unauthorized(NO_MATCH);
  await settleSuccess(db, email, address);
  if (needsRehash(user.passwordHash)) {
    await db.update(users).set({ passwordHash: await hashPassword(password) }).where(eq(users.id, user.id));
  }
  return openSession(db, user.id, userAgent).then(({ token, expiresAt }) => ({
    token, expiresAt, user: { id: user.id, email: user.email, name: user.name, role: user.role, createdAt: user.createdAt, disabledAt: null },
  }));
}

export async function openSession(db: Database, userId: number, userAgent?: string): Promise<{ token: string; expiresAt: Date }> {
  const token = randomBytes(32).toString("base64url");
  const expiresAt = new Date(Date.now() + SESSION_DAYS * 86_400_000);
  await db.insert(sessions).values({ tokenHash: hashToken(token), userId, expiresAt, userAgent: userAgent?.slice(0, 300) });
  return { token, expiresAt };
}

/** The user behind a session token, or null when it is unknown, expired or the user was disabled. */
export async function userForSession(db: Database, token: string | undefined): Promise<PublicUser | null> {
  if (!token || token.length > 200) return null;
  const [row] = await db
    .select({ id: users.id, email: users.email, name: users.name, role: users.role, createdAt: users.createdAt, disabledAt: users.disabledAt })
    .from(sessions)
    .innerJoin(users, eq(users.id, sessions.userId))
    .where(and(eq(sessions.tokenHash, hashToken(token)), gt(sessions.expiresAt, new Date())));
  if (!row || row.disabledAt) return null;
  return row;
}

export async function logout(db: Database, token: string | undefined): Promise<void> {
  if (token) await db.delete(sessions).where(eq(sessions.tokenHash, hashToken(token)));
}

/** Ends every session of a user, or every one but the caller's own (`keep`). */
export async function endSessions(db: Executor, userId: number, keep?: string): Promise<number> {
  const rows = await db
    .delete(sessions)
    .where(keep ? and(eq(sessions.userId, userId), ne(sessions.tokenHash, hashToken(keep))) : eq(sessions.userId, userId))
    .returning({ userId: sessions.userId });
  return rows.length;
}

export function sessionCookie(token: string, expiresAt: Date, secure: boolean): string {
  return [
    `${SESSION_COOKIE}=${token}`, "Path=/", "HttpOnly", "SameSite=Lax", `Expires=${expiresAt.toUTCString()}`, secure ? "Secure" : "",
  ].filter(Boolean).join("; ");
}

export function clearedSessionCookie(): string {
  return `${SESSION_COOKIE}=; Path=/; HttpOnly; SameSite=Lax; Max-Age=0`;
}

export function readSessionToken(cookieHeader: string | null | undefined): string | undefined {
  for (const part of (cookieHeader ?? "").split(";")) {
    const [name, ...rest] = part.trim().split("=");
    if (name === SESSION_COOKIE) return rest.join("=") || undefined;
  }
  return undefined;
}
