import { createServer, type Server } from "node:http";
import type { AddressInfo } from "node:net";
import path from "node:path";
import { pathToFileURL } from "node:url";
import type { ServerBuild } from "@remix-run/node";
import { createHttpApp } from "../../server/http/app";
import type { Services } from "../../server/services";

const root = path.resolve(import.meta.dirname, "../..");

/**
 * The real web server (Express + the Remix build made by the global setup) on
 * a free port, with PUBLIC_URL set to that address (as an operator would), so
 * its same-origin check accepts requests that carry `origin: base`.
 */
export async function startTestServer(services: Services, configOverrides: Partial<Services["config"]> = {}) {
  const build = (await import(pathToFileURL(path.join(root, "build/index.js")).href)) as ServerBuild;
  const server: Server = createServer();
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", () => resolve()));
  const base = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  const config = { ...services.config, PUBLIC_URL: base, publicUrl: base, ...configOverrides };
  const app = createHttpApp({ ...services, config }, build, { worker: () => "not-in-this-process", sync: () => ({ state: "off" }) }, path.join(root, "public"));
  server.on("request", app);
  return {
    base,
    /** Headers a browser sends with a form post from Herald's own page. */
    origin: { origin: base },
    close: () => new Promise<void>((resolve) => { server.closeAllConnections(); server.close(() => resolve()); }),
  };
}

/** Signs in through the login form, as a browser would (with its Origin); returns the session cookie. */
export async function signIn(base: string, email: string, password: string): Promise<string> {
  const res = await fetch(`${base}/login`, {
    method: "POST",
    headers: { origin: base },
    body: new URLSearchParams({ email, password }),
    redirect: "manual",
  });
  const cookie = res.headers.get("set-cookie");
  if (res.status !== 302 || !cookie) throw new Error(`sign-in failed with ${res.status}`);
  return cookie.split(";")[0]!;
}
