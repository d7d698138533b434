import { request as httpRequest } from "node:http";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { createDb } from "../../db/client";
import { useTestDatabase } from "../helpers/db";
import { campaignFactory } from "../helpers/engine";
import { userFactory } from "../helpers/factories";
import { signIn, startTestServer } from "../helpers/http";
import { capturingLogger, formPost, trpcInput } from "./helpers";

const t = useTestDatabase();
let server: Awaited<ReturnType<typeof startTestServer>>;
let production: Awaited<ReturnType<typeof startTestServer>>;
beforeAll(async () => {
  server = await startTestServer(t.services);
  production = await startTestServer(t.services, { NODE_ENV: "production" });
});
afterAll(async () => {
  await server.close();
  await production.close();
});

describe("security headers", () => {
  it("every page carries a CSP that frames nothing and allows only Herald's scripts, with the nonce on Remix's inline ones", async () => {
    const res = await fetch(`${server.base}/login`);
    const csp = res.headers.get("content-security-policy")!;
    expect(csp).toContain("frame-ancestors 'none'");
    expect(csp).toContain("default-src 'self'");
    const nonce = /script-src 'self' 'nonce-([^']+)'/.exec(csp)?.[1];
    expect(nonce).toBeTruthy();
    const html = await res.text();
    const inline = [...html.matchAll(/<script([^>]*)>/g)].map((m) => m[1]!);
    expect(inline.length).toBeGreaterThan(0);
    for (const attrs of inline) expect(attrs).toContain(`nonce="${nonce}"`);
    expect(res.headers.get("x-content-type-options")).toBe("nosniff");
    expect(res.headers.get("referrer-policy")).toBe("same-origin");
    expect(res.headers.get("x-frame-options")).toBe("DENY");
    expect(res.headers.get("strict-transport-security")).toBeNull(); // plain http: HSTS would lock the host out
    const again = (await fetch(`${server.base}/login`)).headers.get("content-security-policy");
    expect(again).not.toContain(nonce!);
  });

  it("sends HSTS when PUBLIC_URL is https", async () => {
    const https = await startTestServer(t.services, { PUBLIC_URL: "https://herald.example", publicUrl: "https://herald.example" });
    try {
      expect((await fetch(`${https.base}/login`)).headers.get("strict-transport-security")).toMatch(/max-age=31536000/);
    } finally {
      await https.close();
    }
  });

  it("signed-in pages are never cached", async () => {
    const user = await userFactory(t.services, { role: "viewer" });
    const cookie = await signIn(server.base, user.email, user.password);
    const page = await fetch(`${server.base}/campaigns`, { headers: { cookie } });
    expect(page.status).toBe(200);
    expect(page.headers.get("cache-control")).toBe("no-store");
  });
});

describe("CSRF: writes only from Herald's own origin", () => {
  it("refuses a cross-site login (login CSRF) and a post without Origin or Sec-Fetch-Site, with a sentence", async () => {
    const user = await userFactory(t.services);
    const evil = await formPost(`${server.base}/login`, { email: user.email, password: user.password }, { origin: "https://evil.example" });
    expect(evil.status).toBe(403);
    expect(await evil.text()).toContain("did not come from Herald's own pages");
    expect(evil.headers.get("set-cookie")).toBeNull();
    const bare = await formPost(`${server.base}/login`, { email: user.email, password: user.password });
    expect(bare.status).toBe(403);
    const sameSite = await formPost(`${server.base}/login`, { email: user.email, password: user.password }, { "sec-fetch-site": "same-site" });
    expect(sameSite.status).toBe(403);
    const sameOrigin = await formPost(`${server.base}/login`, { email: user.email, password: user.password }, { "sec-fetch-site": "same-origin" });
    expect(sameOrigin.status).toBe(302);
  });

  it("a same-site page on another port cannot create an admin through POST /team?_data=", async () => {
    const admin = await userFactory(t.services, { role: "admin" });
    const cookie = await signIn(server.base, admin.email, admin.password);
    const otherPort = server.base.replace(/:(\d+)$/, (_m, p: string) => `:${Number(p) + 1}`);
    const res = await formPost(`${server.base}/team?_data=routes%2F_app.team`, { email: "planted@example.com", role: "admin", password: "planted-password-1" }, { cookie, origin: otherPort, "sec-fetch-site": "same-site" });
    expect(res.status).toBe(403);
    const created = await formPost(`${server.base}/team?_data=routes%2F_app.team`, { email: "legit@example.com", role: "viewer", password: "legit-password-1" }, { cookie, ...server.origin });
    expect(created.status).toBe(200);
    const emails = await t.services.db.query.users.findMany({ columns: { email: true } });
    expect(emails.map((u) => u.email)).toContain("legit@example.com");
    expect(emails.map((u) => u.email)).not.toContain("planted@example.com");
  });

  it("refuses a multipart tRPC mutation and a logout from elsewhere", async () => {
    const editor = await userFactory(t.services, { role: "editor" });
    const cookie = await signIn(server.base, editor.email, editor.password);
    const form = new FormData();
    form.set("x", "1");
    const sync = await fetch(`${server.base}/api/trpc/sync.now`, { method: "POST", headers: { cookie, origin: "http://127.0.0.1:1" }, body: form });
    expect(sync.status).toBe(403);
    const logout = await fetch(`${server.base}/logout`, { method: "POST", headers: { cookie, origin: "https://evil.example" }, redirect: "manual" });
    expect(logout.status).toBe(403);
    expect((await fetch(`${server.base}/campaigns`, { headers: { cookie }, redirect: "manual" })).status).toBe(200);
  });

  it("tracking, unsubscribe and webhooks stay open to mail clients and Resend", async () => {
    const webhook = await fetch(`${server.base}/webhooks/resend`, { method: "POST", headers: { "content-type": "application/json" }, body: "{}" });
    expect(webhook.status).not.toBe(403);
    const unsubscribe = await fetch(`${server.base}/u/not-a-token`, { method: "POST", body: "List-Unsubscribe=One-Click", headers: { "content-type": "application/x-www-form-urlencoded" } });
    expect(unsubscribe.status).not.toBe(403);
  });
});

describe("body limits", () => {
  it("refuses a 300 MB login at once, from its Content-Length, without reading it", async () => {
    const started = Date.now();
    const { status, body } = await new Promise<{ status: number; body: string }>((resolve, reject) => {
      const url = new URL(`${server.base}/login`);
      const req = httpRequest({ host: url.hostname, port: url.port, path: "/login", method: "POST", headers: { "content-type": "application/x-www-form-urlencoded", "content-length": String(300 * 1024 * 1024), origin: server.base } }, (res) => {
        let text = "";
        res.on("data", (d) => (text += d));
        res.on("end", () => resolve({ status: res.statusCode!, body: text }));
      });
      req.on("error", reject);
      req.write("email=a");
      // the rest is never sent: the answer must not wait for it
    });
    expect(status).toBe(413);
    expect(body).toContain("at most 1 MB");
    expect(Date.now() - started).toBeLessThan(5000);
  });

  it("caps JSON for tRPC at 1 MB and refuses chunked bodies without a length", async () => {
    const big = await fetch(`${server.base}/api/trpc/auth.login`, { method: "POST", headers: { "content-type": "application/json", ...server.origin }, body: JSON.stringify({ json: { email: "a@b.c", password: "x".repeat(2 * 1024 * 1024) } }) });
    expect(big.status).toBe(413);
    const chunked = await new Promise<number>((resolve, reject) => {
      const url = new URL(server.base);
      const req = httpRequest({ host: url.hostname, port: url.port, path: "/login", method: "POST", headers: { "transfer-encoding": "chunked", origin: server.base } }, (res) => { res.resume(); resolve(res.statusCode!); });
      req.on("error", reject);
      req.write("email=a");
    });
    expect(chunked).toBe(411);
  });

  it("takes a CSV upload over 1 MB only from a signed-in editor", async () => {
    const rows = ["email,first_name", ...Array.from({ length: 30_000 }, (_, i) => `big-upload-${i}@example.com,Person${i}`)].join("\n");
    expect(rows.length).toBeGreaterThan(1024 * 1024);
    const upload = (headers: Record<string, string>) => {
      const form = new FormData();
      form.set("file", new Blob([rows], { type: "text/csv" }), "leads.csv");
      form.set("listName", "Big upload");
      return fetch(`${server.base}/leads?_data=routes%2F_app.leads._index`, { method: "POST", headers: { ...server.origin, ...headers }, body: form });
    };
    const anonymous = await upload({});
    expect(anonymous.status).toBe(413);
    const viewer = await userFactory(t.services, { role: "viewer" });
    const viewerUpload = await upload({ cookie: await signIn(server.base, viewer.email, viewer.password) });
    expect(viewerUpload.status).toBe(413);
    expect(await viewerUpload.text()).toContain("Only a signed-in editor");
    const editor = await userFactory(t.services, { role: "editor" });
    const accepted = await upload({ cookie: await signIn(server.base, editor.email, editor.password) });
    expect(accepted.status).toBe(200);
    expect(JSON.stringify(await accepted.json())).toContain("30000");
  }, 60_000);
});

describe("redirects after sign-in", () => {
  it("never leave Herald: /login?next=/%09/evil.example/x or /.//evil.example goes to /campaigns, signed in or out", async () => {
    const user = await userFactory(t.services);
    const cookie = await signIn(server.base, user.email, user.password);
    const signedIn = await fetch(`${server.base}/login?next=/%09/evil.example/x`, { headers: { cookie }, redirect: "manual" });
    expect(signedIn.headers.get("location")).toBe("/campaigns");
    const dotted = await fetch(`${server.base}/login?next=/.//evil.example`, { headers: { cookie }, redirect: "manual" });
    expect(dotted.headers.get("location")).toBe("/campaigns");
    for (const next of ["/\t/evil.example/x", "/\\evil.example", "//evil.example", "/\n/evil.example", "https://evil.example/", "/.//evil.example/phish", "/..//evil.example", "/%2e%2e//evil.example", "/x/..//evil.example"]) {
      const res = await formPost(`${server.base}/login`, { email: user.email, password: user.password, next }, server.origin);
      expect(res.headers.get("location"), next).toBe("/campaigns");
    }
    const fine = await formPost(`${server.base}/login`, { email: user.email, password: user.password, next: "/leads?q=ada" }, server.origin);
    expect(fine.headers.get("location")).toBe("/leads?q=ada");
  });
});

describe("errors in production", () => {
  it("an email containing \\u0000 at login gets a sentence, no SQL and no stack", async () => {
    const res = await formPost(`${production.base}/login`, { email: "ada\u0000@example.com", password: "whatever-password" }, production.origin);
    const body = await res.text();
    expect(res.status).toBe(400);
    expect(body).toContain("That is not an email address");
    expect(body).not.toMatch(/invalid byte sequence|select |postgres|\n\s+at /i);
    const trpc = await fetch(`${production.base}/api/trpc/auth.login`, { method: "POST", headers: { "content-type": "application/json", ...production.origin }, body: JSON.stringify({ json: { email: "ada\u0000@example.com", password: "x" } }) });
    expect(trpc.status).toBe(400);
    expect(await trpc.text()).not.toMatch(/invalid byte sequence|"stack"|\n\s+at /);
  });

  it("an unexpected failure answers 'Something went wrong (ref X)' and logs the stack under that ref", async () => {
    const { log, lines } = capturingLogger();
    const broken = createDb("postgres://postgres@127.0.0.1:1/nowhere", { max: 1 });
    const down = await startTestServer({ ...t.services, db: broken.db, log }, { NODE_ENV: "production" });
    try {
      const page = await formPost(`${down.base}/login`, { email: "ada@example.com", password: "whatever-password" }, down.origin);
      const html = await page.text();
      expect(page.status).toBe(500);
      const ref = /Something went wrong \(ref ([A-Z0-9]{6})\)/.exec(html)?.[1];
      expect(ref).toBeTruthy();
      expect(html).not.toMatch(/ECONNREFUSED|127\.0\.0\.1:1|\n\s+at /);
      const logged = lines.find((l) => l.fields.ref === ref);
      expect(String(logged?.fields.stack)).toMatch(/\n\s+at /);

      const api = await fetch(`${down.base}/api/trpc/auth.login`, { method: "POST", headers: { "content-type": "application/json", ...down.origin }, body: JSON.stringify({ json: { email: "ada@example.com", password: "whatever" } }) });
      const json = await api.text();
      expect(api.status).toBe(500);
      expect(json).toMatch(/Something went wrong \(ref [A-Z0-9]{6}\)/);
      expect(json).not.toMatch(/ECONNREFUSED|"stack"|\n\s+at /);

      const signedInPage = await fetch(`${down.base}/campaigns`, { headers: { cookie: "herald_session=abc" } });
      const text = await signedInPage.text();
      expect(signedInPage.status).toBe(500);
      expect(text).toMatch(/Something went wrong \(ref [A-Z0-9]{6}\)/);
      expect(text).not.toMatch(/ECONNREFUSED|\n\s+at /);
    } finally {
      await down.close();
      await broken.close().catch(() => {});
    }
  }, 30_000);
});

describe("input beyond anything Herald holds", () => {
  it("a run number too large for any run, a broken upload, or an address with broken percent-encoding gets a 4xx with a sentence, not 'Something went wrong'", async () => {
    const user = await userFactory(t.services, { role: "viewer" });
    const cookie = await signIn(production.base, user.email, user.password);
    const c = await campaignFactory(t.services, { recipients: 1 });
    const huge = 99_999_999_999;
    const page = await fetch(`${production.base}/campaigns/${c.id}/runs/${huge}`, { headers: { cookie } });
    expect(page.status).toBe(404);
    expect(await page.text()).not.toContain("Something went wrong");
    const csv = await fetch(`${production.base}/campaigns/${c.id}/runs/${huge}/failed.csv`, { headers: { cookie } });
    expect(csv.status).toBe(404);
    const api = await fetch(`${production.base}/api/trpc/campaigns.run?input=${trpcInput({ campaignId: c.id, runNumber: huge })}`, { headers: { cookie } });
    expect(api.status).toBe(400);
    expect(await api.text()).toContain("There is no such run.");
    const editor = await userFactory(t.services, { role: "editor" });
    const editorCookie = await signIn(production.base, editor.email, editor.password);
    for (const body of ["--x\r\nbroken", JSON.stringify({ csv: "email\n" })]) {
      const upload = await fetch(`${production.base}/leads?index`, { method: "POST", headers: { cookie: editorCookie, "content-type": body.startsWith("{") ? "application/json" : "multipart/form-data; boundary=x", ...production.origin }, body });
      expect(upload.status).toBe(400);
      expect(await upload.text()).toContain("Herald could not read that upload");
    }
    for (const path of ["/u/%ff%fe", "/c/%ff", "/o/%ff.gif", "/campaigns/%ff"]) {
      const res = await fetch(`${production.base}${path}`, { headers: { cookie }, redirect: "manual" });
      expect(res.status, path).toBe(400);
      expect(await res.text(), path).not.toContain("Something went wrong");
    }
  });
});

describe("the tRPC endpoint", () => {
  it("caps batches and never batches auth.login", async () => {
    const user = await userFactory(t.services, { role: "viewer" });
    const cookie = await signIn(server.base, user.email, user.password);
    const batch = (n: number) => fetch(`${server.base}/api/trpc/${Array(n).fill("auth.me").join(",")}?batch=1&input=${encodeURIComponent(JSON.stringify({}))}`, { headers: { cookie } });
    expect((await batch(10)).status).toBe(200);
    expect((await batch(11)).status).toBe(400);
    const logins = Object.fromEntries(Array.from({ length: 2 }, (_, i) => [i, { json: { email: user.email, password: `guess-${i}` } }]));
    const batched = await fetch(`${server.base}/api/trpc/auth.login,auth.login?batch=1`, { method: "POST", headers: { "content-type": "application/json", ...server.origin }, body: JSON.stringify(logins) });
    expect(batched.status).toBe(400);
    expect(await batched.text()).toContain("auth.login cannot be batched");
    const alone = await fetch(`${server.base}/api/trpc/auth.login`, { method: "POST", headers: { "content-type": "application/json", ...server.origin }, body: JSON.stringify({ json: { email: user.email, password: "wrong-guess" } }) });
    expect(alone.status).toBe(401);
    expect((await fetch(`${server.base}/api/trpc/auth.me?input=${trpcInput(undefined)}`, { headers: { cookie } })).status).toBe(200);
  });
});
