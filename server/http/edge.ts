import { randomBytes } from "node:crypto";
import type { ErrorRequestHandler, NextFunction, Request, RequestHandler, Response } from "express";
import helmet from "helmet";
import { readSessionToken, userForSession } from "../auth/sessions";
import { errorRef, somethingWentWrong } from "../errors";
import type { Services } from "../services";

/** Forms and JSON (tRPC included). */
export const BODY_LIMIT = 1024 * 1024;
/** The leads CSV upload (POST /leads, multipart) from a signed-in editor or admin: about 200,000 rows. */
export const CSV_UPLOAD_LIMIT = 20 * 1024 * 1024;

const mb = (bytes: number) => `${Math.round(bytes / 1024 / 1024)} MB`;
const changesState = (method: string) => !["GET", "HEAD", "OPTIONS"].includes(method);

/**
 * Security headers on every response. Scripts: Herald's own files plus the
 * inline bootstrap Remix writes, which carries this request's nonce. Nothing
 * may frame Herald. HSTS only when PUBLIC_URL is https (a plain-http install
 * would lock itself out of its own hostname).
 */
export function securityHeaders(publicUrl: string): RequestHandler[] {
  const nonce: RequestHandler = (_req, res, next) => {
    res.locals.cspNonce = randomBytes(16).toString("base64");
    next();
  };
  const headers = helmet({
    contentSecurityPolicy: {
      useDefaults: false,
      directives: {
        defaultSrc: ["'self'"],
        scriptSrc: ["'self'", (_req, res) => `'nonce-${(res as Response).locals.cspNonce}'`],
        styleSrc: ["'self'", "'unsafe-inline'"],
        imgSrc: ["'self'", "data:", "https:"],
        connectSrc: ["'self'"],
        fontSrc: ["'self'"],
        objectSrc: ["'none'"],
        baseUri: ["'self'"],
        formAction: ["'self'"],
        frameAncestors: ["'none'"],
      },
    },
    strictTransportSecurity: publicUrl.startsWith("https:") ? { maxAge: 31_536_000, includeSubDomains: false } : false,
    referrerPolicy: { policy: "same-origin" },
    frameguard: { action: "deny" }, // older browsers' X-Frame-Options, matching frame-ancestors 'none'
    crossOriginEmbedderPolicy: false,
  });
  return [nonce, headers];
}

/**
 * Body caps before anything reads the body. Node never reads past
 * Content-Length, so checking the header is a real cap; a body without a
 * length (chunked) is refused for pages and tRPC, which browsers never send.
 */
export function bodyLimits(services: Services): RequestHandler {
  return async (req, res, next) => {
    if (!changesState(req.method)) return next();
    const declared = req.get("content-length");
    if (declared === undefined) {
      if (req.get("transfer-encoding")) return refuse(res, 411, "Send the request with a Content-Length header.");
      return next();
    }
    const length = Number(declared);
    if (!Number.isFinite(length) || length < 0) return refuse(res, 400, "The Content-Length header is not a number.");
    if (length <= BODY_LIMIT) return next();
    const csvUpload = req.path === "/leads" && /^multipart\/form-data/i.test(req.get("content-type") ?? "");
    if (csvUpload && length <= CSV_UPLOAD_LIMIT) {
      try {
        const user = await userForSession(services.db, readSessionToken(req.get("cookie")));
        if (user && user.role !== "viewer") return next();
      } catch (error) {
        return next(error);
      }
      return refuse(res, 413, `Only a signed-in editor may upload more than ${mb(BODY_LIMIT)}.`);
    }
    return refuse(res, 413, csvUpload
      ? `That file is too large: CSV uploads can be at most ${mb(CSV_UPLOAD_LIMIT)}. Split it, or use \`herald import-leads\`.`
      : `That request is too large: Herald accepts at most ${mb(BODY_LIMIT)}.`);
  };
}

/**
 * CSRF: a state-changing request must say it comes from Herald's own origin
 * (PUBLIC_URL), by Origin or, failing that, by Sec-Fetch-Site. Browsers send
 * one or both on every POST; a request with neither is refused too, so a
 * same-site page (another port or subdomain) cannot act for a signed-in
 * member. Tracking, unsubscribe and webhooks are mounted before this check.
 */
export function sameOriginOnly(config: { publicUrl: string; PUBLIC_URL?: string }): RequestHandler {
  const own = new URL(config.publicUrl).origin;
  const allowed = new Set([own]);
  // Without PUBLIC_URL Herald is a local install: its loopback names are all its own.
  if (!config.PUBLIC_URL) {
    const { protocol, port } = new URL(own);
    for (const host of ["localhost", "127.0.0.1", "[::1]"]) allowed.add(`${protocol}//${host}${port ? `:${port}` : ""}`);
  }
  return (req, res, next) => {
    if (!changesState(req.method)) return next();
    const origin = req.get("origin");
    const site = req.get("sec-fetch-site");
    const ok = origin !== undefined ? allowed.has(origin) : site === "same-origin";
    if (ok) return next();
    refuse(res, 403, `Herald refused this request because it did not come from Herald's own pages (${own}). Reload the page and try again; if you reach Herald by another address, set PUBLIC_URL to it.`);
  };
}

/** Signed-in pages and API answers must not be kept by the browser or a proxy. */
export const noStore: RequestHandler = (_req, res, next) => {
  res.set("Cache-Control", "no-store");
  next();
};

function refuse(res: Response, status: number, message: string) {
  res.status(status).type("text/plain").send(message);
}

/** The last handler: a client's error (4xx) keeps its status with a fixed sentence; anything else is masked and logged under a ref. */
export function finalErrorHandler(services: Services): ErrorRequestHandler {
  return (error: { status?: number; statusCode?: number; expose?: boolean; message?: string; stack?: string }, req: Request, res: Response, next: NextFunction) => {
    if (res.headersSent) return next(error);
    const status = error.status ?? error.statusCode ?? 500;
    // A client's error keeps its status with a fixed sentence (the error's own message is never sent): a body that does
    // not parse, or an address with broken percent-encoding (Express marks that 400 without `expose`).
    if (status >= 400 && status < 500) {
      return refuse(res, status, status === 413 ? `That request is too large: Herald accepts at most ${mb(BODY_LIMIT)}.` : "Herald could not read that request.");
    }
    const ref = errorRef();
    services.log.error(`unexpected error on ${req.method} ${req.path} (ref ${ref})`, { ref, error: error.message, stack: error.stack });
    refuse(res, 500, somethingWentWrong(ref));
  };
}
