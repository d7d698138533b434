import { randomBytes, scryptSync } from "node:crypto";
import { eq } from "drizzle-orm";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { users } from "../../db/schema";
import { login } from "../../server/auth/sessions";
import { createUser } from "../../server/auth/users";
import { herald } from "../helpers/cli";
import { useTestDatabase } from "../helpers/db";
import { userFactory } from "../helpers/factories";
import { signIn, startTestServer } from "../helpers/http";
import { formPost } from "./helpers";

const t = useTestDatabase();
let server: Awaited<ReturnType<typeof startTestServer>>;
let adminCookie: string;
beforeAll(async () => {
  server = await startTestServer(t.services);
  const admin = await userFactory(t.services, { role: "admin" });
  adminCookie = await signIn(server.base, admin.email, admin.password);
});
afterAll(() => server.close());

const team = (fields: Record<string, string>) => formPost(`${server.base}/team`, fields, { cookie: adminCookie, ...server.origin });
const page = (cookie: string, path = "/campaigns") => fetch(`${server.base}${path}`, { headers: { cookie }, redirect: "manual" });

describe("an admin manages a member's access", () => {
  it("disabling a member refuses their cookie at once and their password too; enabling lets them back", async () => {
    const member = await userFactory(t.services, { role: "editor" });
    const cookie = await signIn(server.base, member.email, member.password);
    expect((await page(cookie)).status).toBe(200);
    const disabled = await team({ intent: "disable", userId: String(member.id) });
    expect(await disabled.text()).toContain("Member disabled");
    const next = await page(cookie);
    expect(next.status).toBe(302);
    expect(next.headers.get("location")).toContain("/login");
    expect((await fetch(`${server.base}/api/trpc/auth.me`, { headers: { cookie } })).status).toBe(401);
    expect((await formPost(`${server.base}/login`, { email: member.email, password: member.password }, server.origin)).status).toBe(401);
    expect(await (await page(adminCookie, "/team")).text()).toContain("disabled");

    await team({ intent: "enable", userId: String(member.id) });
    expect((await page(await signIn(server.base, member.email, member.password))).status).toBe(200);
  });

  it("resetting a member's password ends their sessions; only the new password works", async () => {
    const member = await userFactory(t.services, { role: "viewer" });
    const cookie = await signIn(server.base, member.email, member.password);
    const res = await team({ intent: "reset", userId: String(member.id), password: "a brand new passphrase" });
    expect(await res.text()).toContain("their sessions have ended");
    expect((await page(cookie)).status).toBe(302);
    await expect(signIn(server.base, member.email, member.password)).rejects.toThrow("401");
    expect(await signIn(server.base, member.email, "a brand new passphrase")).toContain("herald_session=");
  });

  it("an admin cannot disable themselves or leave Herald without an admin", async () => {
    const [me] = await t.services.db.select().from(users).where(eq(users.role, "admin"));
    const res = await team({ intent: "disable", userId: String(me!.id) });
    expect(res.status).toBe(400);
    expect(await res.text()).toContain("You cannot disable your own account");
  });
});

describe("a member's own account", () => {
  it("changing the password asks for the current one and ends the member's other sessions, not this one", async () => {
    const member = await userFactory(t.services, { role: "viewer" });
    const here = await signIn(server.base, member.email, member.password);
    const elsewhere = await signIn(server.base, member.email, member.password);
    const account = (fields: Record<string, string>) => formPost(`${server.base}/account`, fields, { cookie: here, ...server.origin });
    const wrong = await account({ intent: "password", current: "not my password", next: "another good passphrase", confirm: "another good passphrase" });
    expect(wrong.status).toBe(400);
    expect(await wrong.text()).toContain("Your current password is not right");
    const asEmail = await account({ intent: "password", current: member.password, next: member.email, confirm: member.email });
    expect(await asEmail.text()).toContain("cannot be your email address");
    const tooLong = await account({ intent: "password", current: member.password, next: "x".repeat(129), confirm: "x".repeat(129) });
    expect(await tooLong.text()).toContain("at most 128 characters");
    const ok = await account({ intent: "password", current: member.password, next: "another good passphrase", confirm: "another good passphrase" });
    expect(await ok.text()).toContain("Password changed");
    expect((await page(here)).status).toBe(200);
    expect((await page(elsewhere)).status).toBe(302);
    expect(await signIn(server.base, member.email, "another good passphrase")).toContain("herald_session=");
  });

  it("'sign out everywhere' ends every session of the member", async () => {
    const member = await userFactory(t.services, { role: "editor" });
    const a = await signIn(server.base, member.email, member.password);
    const b = await signIn(server.base, member.email, member.password);
    const res = await formPost(`${server.base}/account`, { intent: "everywhere" }, { cookie: a, ...server.origin });
    expect(res.status).toBe(302);
    expect(res.headers.get("location")).toBe("/login");
    expect((await page(a)).status).toBe(302);
    expect((await page(b)).status).toBe(302);
  });

  it("passwords are checked for length and for being the email, on every path that sets one", async () => {
    await expect(createUser(t.services.db, { email: "same@example.com", role: "viewer", password: "same@example.com" })).rejects.toThrow("cannot be your email address");
    await expect(createUser(t.services.db, { email: "short@example.com", role: "viewer", password: "short" })).rejects.toThrow("at least 10 characters");
    await expect(createUser(t.services.db, { email: "long@example.com", role: "viewer", password: "y".repeat(129) })).rejects.toThrow("at most 128 characters");
  });
});

describe("password storage", () => {
  it("hashes with argon2id, and replaces an old scrypt hash with one on the next sign-in", async () => {
    const fresh = await userFactory(t.services);
    const [row] = await t.services.db.select({ hash: users.passwordHash }).from(users).where(eq(users.id, fresh.id));
    expect(row!.hash).toMatch(/^\$argon2id\$v=19\$m=19456,t=2,p=1\$/);

    const salt = randomBytes(16);
    const legacy = ["scrypt", 16384, 8, 1, salt.toString("base64url"), scryptSync("an old passphrase", salt, 32, { N: 16384, r: 8, p: 1 }).toString("base64url")].join("$");
    const [old] = await t.services.db.insert(users).values({ email: "legacy@example.com", role: "viewer", passwordHash: legacy }).returning();
    await login(t.services.db, "legacy@example.com", "an old passphrase");
    const [after] = await t.services.db.select({ hash: users.passwordHash }).from(users).where(eq(users.id, old!.id));
    expect(after!.hash).toMatch(/^\$argon2id\$/);
    expect((await login(t.services.db, "legacy@example.com", "an old passphrase")).user.email).toBe("legacy@example.com");
  });
});

describe("the CLI", () => {
  it("herald user set-password, disable and enable act at once on the member's sessions", async () => {
    const member = await userFactory(t.services, { role: "editor" });
    const cookie = await signIn(server.base, member.email, member.password);
    const env = { DATABASE_URL: t.url, HERALD_SECRET: t.services.config.HERALD_SECRET! };
    const set = await herald(["user", "set-password", "--email", member.email.toUpperCase()], { ...env, HERALD_PASSWORD: "set from the terminal" });
    expect(set.stdout).toContain("their sessions have ended");
    expect((await page(cookie)).status).toBe(302);
    const disable = await herald(["user", "disable", "--email", member.email], env);
    expect(disable.stdout).toContain(`Disabled ${member.email}`);
    await expect(signIn(server.base, member.email, "set from the terminal")).rejects.toThrow("401");
    const enable = await herald(["user", "enable", "--email", member.email], env);
    expect(enable.code).toBe(0);
    expect(await signIn(server.base, member.email, "set from the terminal")).toContain("herald_session=");
    const unknown = await herald(["user", "disable", "--email", "nobody@example.com"], env);
    expect(unknown.code).toBe(1);
    expect(unknown.stderr).toContain("No user has the email nobody@example.com");
  }, 240_000); // four CLI processes, each compiling the CLI on start
});
