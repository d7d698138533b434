import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { seedDemoData } from "../../server/demo/seed";
import { useTestDatabase } from "../helpers/db";
import { userFactory } from "../helpers/factories";
import { signIn, startTestServer } from "../helpers/http";

const t = useTestDatabase();
let server: Awaited<ReturnType<typeof startTestServer>>;
let admin: { email: string; password: string };
beforeAll(async () => {
  await seedDemoData(t.services.db);
  admin = await userFactory(t.services, { role: "admin" });
  server = await startTestServer(t.services);
});
afterAll(() => server.close());

describe("the web app", () => {
  it("sends a visitor without a session to the login page, remembering where they were going", async () => {
    const res = await fetch(`${server.base}/campaigns?status=draft`, { redirect: "manual" });
    expect(res.status).toBe(302);
    expect(res.headers.get("location")).toBe("/login?next=%2Fcampaigns%3Fstatus%3Ddraft");
    const login = await fetch(`${server.base}/login`);
    expect(await login.text()).toContain("Sign in");
  });

  it("signs an admin in with an httpOnly, SameSite cookie and lists the demo campaigns", async () => {
    const res = await fetch(`${server.base}/login`, { method: "POST", headers: server.origin, body: new URLSearchParams({ email: admin.email, password: admin.password }), redirect: "manual" });
    const cookie = res.headers.get("set-cookie")!;
    expect(cookie).toMatch(/HttpOnly/);
    expect(cookie).toMatch(/SameSite=Lax/);
    const page = await (await fetch(`${server.base}/campaigns`, { headers: { cookie: cookie.split(";")[0]! } })).text();
    expect(page).toContain("Design partner outreach");
    expect(page).toContain("November product update");
  });

  it("refuses a wrong password with a message, and never redirects off-site after login", async () => {
    const wrong = await fetch(`${server.base}/login`, { method: "POST", headers: server.origin, body: new URLSearchParams({ email: admin.email, password: "nope" }) });
    expect(wrong.status).toBe(401);
    expect(await wrong.text()).toContain("do not match");
    const res = await fetch(`${server.base}/login`, {
      method: "POST",
      headers: server.origin,
      body: new URLSearchParams({ email: admin.email, password: admin.password, next: "//evil.example.com/phish" }),
      redirect: "manual",
    });
    expect(res.headers.get("location")).toBe("/campaigns");
  });

  it("serves tRPC at /api/trpc with the same session and role checks", async () => {
    const viewer = await userFactory(t.services, { role: "viewer" });
    const cookie = await signIn(server.base, viewer.email, viewer.password);
    const list = await fetch(`${server.base}/api/trpc/campaigns.list?input=${encodeURIComponent(JSON.stringify({ json: {} }))}`, { headers: { cookie } });
    expect(list.status).toBe(200);
    expect(JSON.stringify(await list.json())).toContain("Design partner outreach");
    const create = await fetch(`${server.base}/api/trpc/users.create`, {
      method: "POST",
      headers: { cookie, "content-type": "application/json", ...server.origin },
      body: JSON.stringify({ json: { email: "x@example.com", role: "admin", password: "0123456789ab" } }),
    });
    expect(create.status).toBe(403);
    const anonymous = await fetch(`${server.base}/api/trpc/campaigns.list?input=${encodeURIComponent(JSON.stringify({ json: {} }))}`);
    expect(anonymous.status).toBe(401);
  });

  it("answers /healthz with database, worker and sync state", async () => {
    const res = await fetch(`${server.base}/healthz`);
    expect(res.status).toBe(200);
    expect(await res.json()).toEqual({ status: "ok", database: "ok", worker: "not-in-this-process", sync: { state: "off" } });
  });

  it("signing out ends the session for good", async () => {
    const user = await userFactory(t.services, { role: "editor" });
    const cookie = await signIn(server.base, user.email, user.password);
    const out = await fetch(`${server.base}/logout`, { method: "POST", headers: { cookie, ...server.origin }, redirect: "manual" });
    expect(out.headers.get("location")).toBe("/login");
    const after = await fetch(`${server.base}/campaigns`, { headers: { cookie }, redirect: "manual" });
    expect(after.status).toBe(302);
  });
});
