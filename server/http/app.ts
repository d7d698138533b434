import path from "node:path";
import { createRequestHandler } from "@remix-run/express";
import type { ServerBuild } from "@remix-run/node";
import { sql } from "drizzle-orm";
import express, { type Request as ExpressRequest } from "express";
import { clearedSessionCookie, sessionCookie } from "../auth/sessions";
import { createContext } from "../trpc/context";
import { appRouter, createCaller } from "../routers/root";
import type { Services } from "../services";
import { handleTrpcRequest } from "../trpc/http";
import { bodyLimits, finalErrorHandler, noStore, sameOriginOnly, securityHeaders } from "./edge";
import { trackingRoutes } from "./tracking";
import { unsubscribeRoutes } from "./unsubscribe";
import { twilioWebhookRoutes } from "./twilio-webhooks";
import { webhookRoutes } from "./webhooks";

export interface HealthSources {
  worker(): "running" | "stopped" | "not-in-this-process";
  sync(): { state: "off" | "on"; reason?: string };
}

function headersOf(req: ExpressRequest): Headers {
  const headers = new Headers();
  for (const [key, value] of Object.entries(req.headers)) {
    if (Array.isArray(value)) value.forEach((v) => headers.append(key, v));
    else if (value !== undefined) headers.set(key, value);
  }
  return headers;
}

/** Everything a Remix loader or action may use: the tRPC caller for this request, never the services. */
export async function loadContextFor(services: Services, headers: Headers, extra: { clientAddress?: string; cspNonce?: string } = {}) {
  const trpcContext = await createContext(services, headers, extra.clientAddress);
  return {
    trpc: createCaller(trpcContext),
    trpcContext,
    appRouter,
    trpcHttp: (request: Request) => handleTrpcRequest(request, trpcContext),
    /** This response's CSP nonce: root.tsx puts it on Remix's inline scripts. */
    cspNonce: extra.cspNonce ?? "",
    user: trpcContext.user,
    app: { transport: services.config.transport, airtable: services.config.airtable },
    cookies: {
      session: (token: string, expiresAt: Date) => sessionCookie(token, expiresAt, services.config.publicUrl.startsWith("https:")),
      cleared: clearedSessionCookie,
    },
  };
}
export type HeraldLoadContext = Awaited<ReturnType<typeof loadContextFor>>;

export function createHttpApp(services: Services, build: ServerBuild, health: HealthSources, publicDir: string) {
  const app = express();
  app.disable("x-powered-by");
  app.set("trust proxy", "loopback");
  app.use(securityHeaders(services.config.publicUrl));

  app.get("/healthz", async (_req, res) => {
    let database: "ok" | "down" = "ok";
    try {
      await services.db.execute(sql`select 1`);
    } catch {
      database = "down";
    }
    const body = { status: database === "ok" ? "ok" : "degraded", database, worker: health.worker(), sync: health.sync() };
    res.status(database === "ok" ? 200 : 503).json(body);
  });

  // The unsubscribe page shows a recipient's address: no browser or proxy keeps it.
  app.use("/u", noStore);
  app.use(unsubscribeRoutes(services));
  app.use(trackingRoutes(services));
  app.use(webhookRoutes(services));
  app.use(twilioWebhookRoutes(services));

  app.use("/build", express.static(path.join(publicDir, "build"), { immutable: true, maxAge: "1y" }));
  app.use(express.static(publicDir, { maxAge: "1h" }));

  // Everything below is the signed-in application: capped bodies, same-origin writes, never cached.
  app.use(bodyLimits(services), sameOriginOnly(services.config), noStore);
  app.all(
    "*",
    createRequestHandler({
      build,
      mode: services.config.NODE_ENV === "production" ? "production" : "development",
      getLoadContext: (req, res) => loadContextFor(services, headersOf(req), { clientAddress: req.ip, cspNonce: res.locals.cspNonce as string }),
    }),
  );
  app.use(finalErrorHandler(services));
  return app;
}
