import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { appRouter } from "../../server/routers/root";
import { useTestDatabase } from "../helpers/db";
import { userFactory } from "../helpers/factories";
import { signIn, startTestServer } from "../helpers/http";

const t = useTestDatabase();
let server: Awaited<ReturnType<typeof startTestServer>>;
beforeAll(async () => {
  server = await startTestServer(t.services);
});
afterAll(() => server.close());

/** The only procedure open to anyone. */
const PUBLIC = new Set(["auth.login"]);
/** Mutations a viewer may call: they act on the viewer's own account only. */
const VIEWER_MUTATIONS = new Set(["auth.login", "auth.logout", "auth.changePassword", "auth.signOutEverywhere"]);

// Read from the router at run time: a procedure added later is checked without touching this file.
const procedures = Object.entries(appRouter._def.procedures as unknown as Record<string, { _def: { type: "query" | "mutation" | "subscription" } }>).map(([path, p]) => ({ path, type: p._def.type }));

function call(path: string, type: string, cookie?: string) {
  const headers: Record<string, string> = { ...(cookie ? { cookie } : {}) };
  if (type === "query") return fetch(`${server.base}/api/trpc/${path}`, { headers });
  return fetch(`${server.base}/api/trpc/${path}`, { method: "POST", headers: { ...headers, ...server.origin, "content-type": "application/json" }, body: JSON.stringify({ json: {} }) });
}

describe("every procedure of the tRPC router is guarded", () => {
  it("finds the router's procedures", () => {
    expect(procedures.length).toBeGreaterThan(30);
    expect(procedures.map((p) => p.path)).toContain("users.disable");
  });

  it("signed out, every procedure but auth.login answers 401", async () => {
    const open: string[] = [];
    for (const { path, type } of procedures) {
      if (PUBLIC.has(path)) continue;
      const res = await call(path, type);
      if (res.status !== 401) open.push(`${path} (${type}) answered ${res.status}`);
    }
    expect(open).toEqual([]);
  });

  it("as a viewer, every mutation but the viewer's own account ones answers 403", async () => {
    const viewer = await userFactory(t.services, { role: "viewer" });
    const cookie = await signIn(server.base, viewer.email, viewer.password);
    const open: string[] = [];
    for (const { path, type } of procedures) {
      if (type !== "mutation" || VIEWER_MUTATIONS.has(path)) continue;
      const res = await call(path, type, cookie);
      if (res.status !== 403) open.push(`${path} answered ${res.status}`);
    }
    expect(open).toEqual([]);
    // The session is still good: nothing above signed the viewer out or changed anything.
    expect((await call("auth.me", "query", cookie)).status).toBe(200);
  });
});
