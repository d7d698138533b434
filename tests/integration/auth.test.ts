import { eq } from "drizzle-orm";
import { describe, expect, it } from "vitest";
import { sessions } from "../../db/schema";
import { login, SESSION_COOKIE, userForSession } from "../../server/auth/sessions";
import { createCaller } from "../../server/routers/root";
import { createContext } from "../../server/trpc/context";
import { useTestDatabase } from "../helpers/db";
import { callerAs, userFactory } from "../helpers/factories";

const t = useTestDatabase();

describe("signing in", () => {
  it("a correct password opens a session that identifies the user; a wrong one is refused", async () => {
    const user = await userFactory(t.services, { role: "viewer" });
    const session = await login(t.services.db, user.email.toUpperCase(), user.password);
    expect((await userForSession(t.services.db, session.token))?.email).toBe(user.email);
    await expect(login(t.services.db, user.email, "wrong password")).rejects.toThrow("do not match");
    await expect(login(t.services.db, "nobody@example.com", "whatever")).rejects.toThrow("do not match");
  });

  it("stores only a hash of the session token, and an expired session is worthless", async () => {
    const user = await userFactory(t.services);
    const session = await login(t.services.db, user.email, user.password);
    const stored = await t.services.db.select().from(sessions).where(eq(sessions.userId, user.id));
    expect(stored[0]!.tokenHash).not.toContain(session.token);
    await t.services.db.update(sessions).set({ expiresAt: new Date(Date.now() - 1000) }).where(eq(sessions.userId, user.id));
    expect(await userForSession(t.services.db, session.token)).toBeNull();
  });

  it("logout ends the session: the next request with the same cookie is anonymous", async () => {
    const user = await userFactory(t.services, { role: "viewer" });
    const session = await login(t.services.db, user.email, user.password);
    const request = async () => createCaller(await createContext(t.services, new Headers({ cookie: `${SESSION_COOKIE}=${session.token}` })));
    expect((await (await request()).auth.me()).email).toBe(user.email);
    await (await request()).auth.logout();
    await expect((await request()).auth.me()).rejects.toMatchObject({ code: "UNAUTHORIZED" });
  });
});

describe("roles", () => {
  it("every procedure but login needs a session", async () => {
    const anonymous = await callerAs(t.services, null);
    await expect(anonymous.campaigns.list({})).rejects.toMatchObject({ code: "UNAUTHORIZED" });
    await expect(anonymous.users.list()).rejects.toMatchObject({ code: "UNAUTHORIZED" });
    await expect(anonymous.auth.me()).rejects.toMatchObject({ code: "UNAUTHORIZED" });
  });

  it("viewers read, editors cannot manage the team, admins can", async () => {
    const viewer = await callerAs(t.services, "viewer");
    const editor = await callerAs(t.services, "editor");
    const admin = await callerAs(t.services, "admin");
    expect((await viewer.campaigns.list({})).campaigns).toEqual([]);
    const newUser = { email: "new@example.com", role: "viewer" as const, password: "long enough password" };
    await expect(viewer.users.create(newUser)).rejects.toMatchObject({ code: "FORBIDDEN", message: expect.stringContaining("admin role") });
    await expect(editor.users.create(newUser)).rejects.toMatchObject({ code: "FORBIDDEN" });
    const created = await admin.users.create(newUser);
    expect(created.role).toBe("viewer");
    await expect(admin.users.create(newUser)).rejects.toMatchObject({ code: "CONFLICT", message: expect.stringContaining("already exists") });
    expect((await admin.users.list()).map((u) => u.email)).toContain("new@example.com");
  });

  it("bad input comes back as field errors a form can show", async () => {
    const admin = await callerAs(t.services, "admin");
    const error = await admin.users.create({ email: "not-an-email", role: "viewer", password: "short" }).catch((e) => e);
    expect(error.code).toBe("BAD_REQUEST");
    expect(error.message).toMatch(/email/i);
    expect(error.message).toMatch(/10 characters/);
  });
});
