import express, { type Request, type Response, type Router } from "express";
import type { Services } from "../services";
import { createHitWriter } from "../tracking/hits";
import { verifyClick } from "../tracking/links";
import { requestReasons } from "../tracking/machine";
import { verifyToken } from "../tracking/tokens";

/**
 * How long a reader waits for the hit to be written. While the database is
 * down the pool retries its connections with a backoff of up to 20 s; a
 * click must not wait that long for our bookkeeping.
 */
const RECORD_WAIT_MS = 3000;
const atMost = (ms: number, work: Promise<unknown>) => {
  let timer: NodeJS.Timeout | undefined;
  return Promise.race([work, new Promise((resolve) => (timer = setTimeout(resolve, ms)))]).finally(() => clearTimeout(timer));
};

const GIF = Buffer.from("R0lGODlhAQABAIAAAAAAAP///yH5BAEAAAAALAAAAAABAAEAAAIBRAA7", "base64");

/** /o/<token>.gif (open pixel) and /c/<token> (click redirect), answered fast and recorded as events (GET and HEAD alike). */
export function trackingRoutes(services: Services): Router {
  const router = express.Router();
  const hits = createHitWriter(services.db);
  // Recording failures are caught below (the hit is lost, the answer is not);
  // anything else goes to Express's error handler instead of escaping as an
  // unhandled rejection with the request left hanging.
  router.get("/o/:token.gif", (req, res, next) => void pixel(req, res).catch(next));
  router.get("/c/:token", (req, res, next) => void redirect(req, res).catch(next));

  async function pixel(req: Request<{ token: string }>, res: Response) {
    const claims = verifyToken(services.secret, req.params.token, "o");
    if (claims) {
      const userAgent = req.get("user-agent");
      await atMost(RECORD_WAIT_MS, hits.record({
        campaignId: claims.campaignId, scheduledEmailId: claims.scheduledEmailId, type: "opened",
        reasons: requestReasons("opened", { method: req.method, userAgent, ip: req.ip }), userAgent, ip: req.ip,
      }).catch((error) => services.log.error("could not record an open", { error: String(error) })));
    }
    // A forged pixel still gets a pixel: an image error would tell nothing useful to anyone.
    res.set({ "Content-Type": "image/gif", "Cache-Control": "no-store, max-age=0", "Content-Length": String(GIF.length) }).end(GIF);
  }

  async function redirect(req: Request<{ token: string }>, res: Response) {
    const click = verifyClick(services.secret, req.params.token);
    if (!click) {
      res.status(400).type("text").send("This link is not valid. Open the link from the email itself.");
      return;
    }
    const userAgent = req.get("user-agent");
    // Judged, recorded and counted apart when a machine's, but always redirected: a scanner must not break the link.
    await atMost(RECORD_WAIT_MS, hits.record({
      campaignId: click.campaignId, scheduledEmailId: click.scheduledEmailId, type: "clicked", data: click.decoy ? { link: click.url, decoy: true } : { link: click.url },
      reasons: requestReasons("clicked", { method: req.method, userAgent, ip: req.ip, decoy: click.decoy }), userAgent, ip: req.ip,
    }).catch((error) => services.log.error("could not record a click", { error: String(error) })));
    res.redirect(302, click.url);
  }
  return router;
}
