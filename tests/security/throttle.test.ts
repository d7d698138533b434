import { sql } from "drizzle-orm";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { login, SESSION_COOKIE } from "../../server/auth/sessions";
import { THROTTLE } from "../../server/auth/throttle";
import { createCaller } from "../../server/routers/root";
import { createContext } from "../../server/trpc/context";
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

  it("forty guesses at once get no more password checks than the account's limit: the rest are refused, and the account ends locked", async () => {
    const user = await userFactory(t.services);
    const guesses = Array.from({ length: 40 }, (_, i) => (i === 39 ? user.password : `wrong-${i}`));
    const answers = await Promise.all(guesses.map((password, i) => attempt(i % 2 ? one : two, user.email, password, `198.18.${i}.1`)));
    const statuses = answers.map((a) => a.status);
    // At most perAccount passwords were checked; every other attempt was refused before its hash was computed.
    expect(statuses.filter((s) => s === 401).length).toBeLessThanOrEqual(THROTTLE.perAccount);
    expect(statuses.filter((s) => s === 429).length).toBeGreaterThanOrEqual(40 - THROTTLE.perAccount);
    expect(answers.filter((a) => a.headers.get("set-cookie")?.includes("herald_session=")).length).toBe(statuses[39] === 302 ? 1 : 0);
    // And afterwards the account is locked, right password or not.
    expect((await attempt(one, user.email, user.password, "198.18.200.1")).status).toBe(429);
  });

  it("a signed-in session cannot guess the account's password through Change password: the same limit applies, and a locked account refuses even the right one", async () => {
    const user = await userFactory(t.services);
    const session = await login(t.services.db, user.email, user.password);
    const me = createCaller(await createContext(t.services, new Headers({ cookie: `${SESSION_COOKIE}=${session.token}` }), "192.0.2.77"));
    for (let i = 0; i < THROTTLE.perAccount; i++) {
      await expect(me.auth.changePassword({ current: `guess-${i}`, next: "a brand new passphrase" })).rejects.toThrow(/current password is not right/);
    }
    await expect(me.auth.changePassword({ current: user.password, next: "a brand new passphrase" })).rejects.toThrow(/Too many failed sign-ins/);
    // The password is unchanged: the old one still signs in once the lock is over.
    await t.services.db.execute(sql`update login_throttle set locked_until = now() - interval '1 second', window_started_at = now() - interval '16 minutes' where key = ${`account:${user.email}`}`);
    expect((await attempt(one, user.email, user.password, "192.0.2.78")).status).toBe(302);
  });

  it("a right password from an address gives back only its own attempt: the address's failures stay counted", async () => {
    const user = await userFactory(t.services);
    const address = "203.0.113.50";
    for (let i = 0; i < 3; i++) await attempt(one, `nobody-${i}@example.com`, "guess-password", address);
    expect((await attempt(one, user.email, user.password, address)).status).toBe(302);
    const [row] = await t.services.db.execute<{ failures: number }>(sql`select failures from login_throttle where key = ${`address:${address}`}`);
    expect(row?.failures).toBe(3);
  });
});
