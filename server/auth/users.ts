import { asc, eq, sql } from "drizzle-orm";
import { z } from "zod";
import { users } from "../../db/schema";
import type { Database } from "../../db/client";
import { Conflict, NotFound, ValidationFailed } from "../errors";
import { hashPassword } from "./password";

export const roles = ["admin", "editor", "viewer"] as const;
export type Role = (typeof roles)[number];

export const newUserInput = z.object({
  email: z.email("Enter a valid email address").transform((e) => e.trim()),
  name: z.string().trim().max(200).default(""),
  role: z.enum(roles),
  password: z.string().min(10, "Passwords need at least 10 characters").max(200),
});
export type NewUser = z.input<typeof newUserInput>;

export interface PublicUser {
  id: number;
  email: string;
  name: string;
  role: Role;
  createdAt: Date;
}

const publicColumns = { id: users.id, email: users.email, name: users.name, role: users.role, createdAt: users.createdAt };

export async function createUser(db: Database, input: NewUser): Promise<PublicUser> {
  const parsed = newUserInput.safeParse(input);
  if (!parsed.success) {
    throw new ValidationFailed(parsed.error.issues.map((i) => i.message).join("; "), z.flattenError(parsed.error).fieldErrors);
  }
  const { email, name, role, password } = parsed.data;
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

export async function setUserRole(db: Database, userId: number, role: Role): Promise<PublicUser> {
  const [row] = await db.update(users).set({ role, updatedAt: new Date() }).where(eq(users.id, userId)).returning(publicColumns);
  if (!row) throw new NotFound("That user does not exist.");
  return row;
}
