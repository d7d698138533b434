import { and, asc, count, eq, isNull, ne, sql } from "drizzle-orm";
import { z } from "zod";
import { users } from "../../db/schema";
import type { Database } from "../../db/client";
import { Conflict, Forbidden, NotFound, ValidationFailed } from "../errors";
import { hashPassword, PASSWORD_MAX, PASSWORD_MIN, passwordProblem, verifyPassword } from "./password";
import { endSessions } from "./sessions";
import { settleSuccess, takeAttempt } from "./throttle";

export const roles = ["admin", "editor", "viewer"] as const;
export type Role = (typeof roles)[number];

const noLineBreaks = (label: string) => z.string().refine((v) => !/[\r\n\0]/.test(v), `${label} cannot contain line breaks`);

export const passwordField = z
  .string()
  .min(PASSWORD_MIN, `Passwords need at least ${PASSWORD_MIN} characters`)
  .max(PASSWORD_MAX, `Passwords can have at most ${PASSWORD_MAX} characters`);

export const newUserInput = z.object({
  email: z.email("Enter a valid email address").max(320).transform((e) => e.trim()),
  name: noLineBreaks("A name").pipe(z.string().trim().max(200)).default(""),
  role: z.enum(roles),
  password: passwordField,
});
export type NewUser = z.input<typeof newUserInput>;

export interface PublicUser {
  id: number;
  email: string;
  name: string;
  role: Role;
  createdAt: Date;
  disabledAt: Date | null;
}

const publicColumns = { id: users.id, email: users.email, name: users.name, role: users.role, createdAt: users.createdAt, disabledAt: users.disabledAt };

function invalid(parsed: z.ZodSafeParseError<unknown>): never {
  throw new ValidationFailed(parsed.error.issues.map((i) => i.message).join("; "), z.flattenError(parsed.error).fieldErrors as Record<string, string[]>);
}

function checkPassword(password: string, email: string) {
  const problem = passwordProblem(password, email);
  if (problem) throw new ValidationFailed(problem, { password: [problem] });
}

export async function createUser(db: Database, input: NewUser): Promise<PublicUser> {
  const parsed = newUserInput.safeParse(input);
  if (!parsed.success) invalid(parsed);
  const { email, name, role, password } = parsed.data;
  checkPassword(password, email);
  const [existing] = await db.select({ id: users.id }).from(users).where(sql`lower(${users.email}) = lower(${email})`);
  if (existing) throw new Conflict(`A user with the email ${email} already exists.`);
  const [row] = await db
    .insert(users)
    .values({ email, name, role, passwordHash: await hashPassword(password) })
    .returning(publicColumns);
  return row!;
}

export async function listUsers(db: Database): Promise<PublicUser[]> {
  return db.select(publicColumns).from(users).orderBy(asc(users.email));
}

export async function findUserByEmail(db: Database, email: string): Promise<PublicUser> {
  const [row] = await db.select(publicColumns).from(users).where(sql`lower(${users.email}) = lower(${email.trim()})`);
  if (!row) throw new NotFound(`No user has the email ${email}.`);
  return row;
}

async function userById(db: Database, userId: number) {
  const [row] = await db.select({ ...publicColumns, passwordHash: users.passwordHash }).from(users).where(eq(users.id, userId));
  if (!row) throw new NotFound("That user does not exist.");
  return row;
}

/** Never leave the installation without an enabled admin. */
async function assertAnotherAdmin(db: Database, userId: number, what: string) {
  const [row] = await db.select({ n: count() }).from(users).where(and(eq(users.role, "admin"), isNull(users.disabledAt), ne(users.id, userId)));
  if (!row?.n) throw new Conflict(`${what} would leave Herald without an admin: make someone else admin first.`);
}

export async function setUserRole(db: Database, userId: number, role: Role): Promise<PublicUser> {
  const user = await userById(db, userId);
  if (user.role === "admin" && role !== "admin") await assertAnotherAdmin(db, userId, "Changing this role");
  const [row] = await db.update(users).set({ role, updatedAt: new Date() }).where(eq(users.id, userId)).returning(publicColumns);
  return row!;
}

/** Sets a new password (an admin's reset or the CLI) and ends every session the member had. */
export async function setPassword(db: Database, userId: number, password: string): Promise<PublicUser> {
  const user = await userById(db, userId);
  checkPassword(password, user.email);
  const [row] = await db.update(users).set({ passwordHash: await hashPassword(password), updatedAt: new Date() }).where(eq(users.id, userId)).returning(publicColumns);
  await endSessions(db, userId);
  return row!;
}

/**
 * A member changing their own password: the current one is asked for, under
 * the sign-in throttle (a stolen session must not guess it without limit, nor
 * get past a locked account); their other sessions end.
 */
export async function changeOwnPassword(db: Database, userId: number, current: string, next: string, keepSession?: string, address?: string): Promise<void> {
  const user = await userById(db, userId);
  await takeAttempt(db, user.email, address);
  if (!(await verifyPassword(current, user.passwordHash))) {
    throw new ValidationFailed("Your current password is not right.", { current: ["Your current password is not right."] });
  }
  await settleSuccess(db, user.email, address);
  checkPassword(next, user.email);
  await db.update(users).set({ passwordHash: await hashPassword(next), updatedAt: new Date() }).where(eq(users.id, userId));
  await endSessions(db, userId, keepSession);
}

/** Disabling ends the member's sessions in the same call: their next request is signed out. */
export async function setDisabled(db: Database, userId: number, disabled: boolean, actingUserId?: number): Promise<PublicUser> {
  if (disabled && actingUserId === userId) throw new Forbidden("You cannot disable your own account.");
  const user = await userById(db, userId);
  if (disabled && user.role === "admin") await assertAnotherAdmin(db, userId, "Disabling this member");
  return db.transaction(async (tx) => {
    const [row] = await tx.update(users).set({ disabledAt: disabled ? new Date() : null, updatedAt: new Date() }).where(eq(users.id, userId)).returning(publicColumns);
    if (disabled) await endSessions(tx, userId);
    return row!;
  });
}
