import express, { type Router } from "express";
import type { Services } from "../services";
import { unsubscribe, unsubscribeTarget } from "../tracking/unsubscribe";

const escape = (s: string) => s.replace(/[&<>"']/g, (c) => `&#${c.charCodeAt(0)};`);
const page = (title: string, body: string) => `<!doctype html><html lang="en"><head><meta charset="utf-8"><meta name="viewport" content="width=device-width, initial-scale=1"><title>${escape(title)}</title>
<style>body{font-family:system-ui,sans-serif;background:#f6f7f9;color:#17202a;display:grid;place-items:center;min-height:100vh;margin:0}main{background:#fff;border:1px solid #e3e7ec;border-radius:8px;padding:2rem;max-width:28rem}button{font:inherit;padding:.6rem 1rem;border-radius:6px;border:1px solid #3451d1;background:#3451d1;color:#fff;cursor:pointer}</style></head>
<body><main>${body}</main></body></html>`;

/**
 * /u/:token — RFC 8058 one-click unsubscribe (POST with
 * `List-Unsubscribe=One-Click`, answered 200) and a page for people. A GET
 * only asks for confirmation: mail scanners follow links, and must not
 * unsubscribe anyone.
 */
export function unsubscribeRoutes(services: Services): Router {
  const router = express.Router();
  router.get("/u/:token", async (req, res) => {
    let target: Awaited<ReturnType<typeof unsubscribeTarget>>;
    try {
      target = await unsubscribeTarget(services.db, services.secret, req.params.token);
    } catch (error) {
      services.log.error("could not show an unsubscribe page", { error: String(error) });
      res.status(503).set("Retry-After", "60").type("html").send(page("Try again shortly", "<h1>This page is not available right now</h1><p>Nothing was changed. Please open the link again in a few minutes.</p>"));
      return;
    }
    if (!target) {
      res.status(400).type("html").send(page("Link not valid", "<h1>This unsubscribe link is not valid</h1><p>It may have been copied incompletely. Use the link from the email itself, or reply to the sender and ask to be removed.</p>"));
      return;
    }
    res.type("html").send(page("Unsubscribe", `<h1>Unsubscribe?</h1><p>Stop all emails to <strong>${escape(target.email)}</strong>.</p>
      <form method="post"><button type="submit">Unsubscribe</button></form>`));
  });
  router.post("/u/:token", express.urlencoded({ extended: false, limit: "2kb" }), async (req, res) => {
    const oneClick = req.body?.["List-Unsubscribe"] === "One-Click";
    let result: Awaited<ReturnType<typeof unsubscribe>>;
    try {
      result = await unsubscribe(services.db, services.secret, req.params.token, { userAgent: req.get("user-agent"), ip: req.ip });
    } catch (error) {
      // A 5xx, never a 2xx: mail apps retry a failed one-click POST, and a person must not be told they are unsubscribed.
      services.log.error("could not unsubscribe", { error: String(error), oneClick });
      res.status(503).set("Retry-After", "60");
      if (oneClick) res.type("text").send("unsubscribe not recorded; retry later");
      else res.type("html").send(page("Not unsubscribed yet", "<h1>We could not unsubscribe you right now</h1><p>Nothing was changed. Please use the link again in a few minutes, or reply to the email and ask to be removed.</p>"));
      return;
    }
    if (!result.ok) {
      res.status(400);
      if (oneClick) res.type("text").send("invalid unsubscribe link");
      else res.type("html").send(page("Link not valid", "<h1>This unsubscribe link is not valid</h1><p>Nothing was changed.</p>"));
      return;
    }
    services.log.info("unsubscribed by link", { skippedEmails: result.skipped, oneClick });
    if (oneClick) res.status(200).type("text").send("unsubscribed");
    else res.type("html").send(page("Unsubscribed", `<h1>You are unsubscribed</h1><p><strong>${escape(result.email)}</strong> will not receive these emails again.</p>`));
  });
  return router;
}
