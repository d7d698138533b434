import { sql } from "drizzle-orm";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { THROTTLE } from "../../server/auth/throttle";
import { useTestDatabase } from "../helpers/db";
import { userFactory } from "../helpers/factories";
import { startTestServer } from "../helpers/http";
import { formPost } from "./helpers";

const t = useTestDatabase();
let one: Awaited<ReturnType<typeof startTestServer>>;
let two: Awaited<ReturnType<typeof startTestServer>>;
beforeAll(async () => {
  // Two web processes on one database: the throttle lives in PostgreSQL, so both see the same counts.
  one = await startTestServer(t.services);
  two = await startTestServer(t.services);
});
afterAll(async () => {
  await one.close();
  await two.close();
});

/** A sign-in from a given client address (Herald trusts X-Forwarded-For from its loopback proxy). */
const attempt = (server: typeof one, email: string, password: string, address: string) =>
  formPost(`${server.base}/login`, { email, password }, { ...server.origin, "x-forwarded-for": address });

describe("login throttling", () => {
  it("locks an account after repeated failures with 429, Retry-After and a sentence; the right password does not get through", async () => {
    const user = await userFactory(t.services);
    for (let i = 0; i < THROTTLE.perAccount; i++) expect((await attempt(one, user.email, `wrong-${i}`, `198.51.100.${i + 1}`)).status).toBe(401);
    const locked = await attempt(two, user.email, user.password, "198.51.100.99");
    expect(locked.status).toBe(429);
    expect(Number(locked.headers.get("retry-after"))).toBeGreaterThan(THROTTLE.lockMinutes * 60 - 30);
    expect(await locked.text()).toContain("Too many failed sign-ins");
    expect(locked.headers.get("set-cookie")).toBeNull();

    // Fifteen minutes later the lock is over, and a successful sign-in clears the count.
    await t.services.db.execute(sql`update login_throttle set locked_until = now() - interval '1 second', window_started_at = now() - interval '16 minutes' where key = ${`account:${user.email}`}`);
    const after = await attempt(one, user.email, user.password, "198.51.100.99");
    expect(after.status).toBe(302);
    expect(after.headers.get("set-cookie")).toContain("herald_session=");
    expect((await attempt(one, user.email, "wrong-again", "198.51.100.99")).status).toBe(401);
  });

  it("locks a client address that sprays many accounts, but not the same people elsewhere", async () => {
    const user = await userFactory(t.services);
    for (let i = 0; i < THROTTLE.perAddress; i++) await attempt(one, `nobody-${i}@example.com`, "guess-password", "203.0.113.7");
    const fromSprayer = await attempt(two, user.email, user.password, "203.0.113.7");
    expect(fromSprayer.status).toBe(429);
    expect(fromSprayer.headers.get("retry-after")).toBeTruthy();
    expect((await attempt(one, user.email, user.password, "203.0.113.8")).status).toBe(302);
  });

  it("answers a throttled tRPC login with 429 and Retry-After too", async () => {
    const user = await userFactory(t.services);
    const login = (password: string) => fetch(`${one.base}/api/trpc/auth.login`, { method: "POST", headers: { "content-type": "application/json", "x-forwarded-for": "192.0.2.44", ...one.origin }, body: JSON.stringify({ json: { email: user.email, password } }) });
    for (let i = 0; i < THROTTLE.perAccount; i++) expect((await login(`nope-${i}`)).status).toBe(401);
    const res = await login(user.password);
    expect(res.status).toBe(429);
    expect(Number(res.headers.get("retry-after"))).toBeGreaterThan(0);
    expect(await res.text()).toContain("Too many failed sign-ins");
  });
});
