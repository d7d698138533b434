import express, { type Router } from "express";
import type { Services } from "../services";
import { createHitWriter } from "../tracking/hits";
import { verifyClick } from "../tracking/links";
import { isMachineOpen, MACHINE_OPEN_WINDOW_MS } from "../tracking/machine";
import { verifyToken } from "../tracking/tokens";

const GIF = Buffer.from("R0lGODlhAQABAIAAAAAAAP///yH5BAEAAAAALAAAAAABAAEAAAIBRAA7", "base64");

/** /o/<token>.gif (open pixel) and /c/<token> (click redirect), answered fast and recorded as events. */
export function trackingRoutes(services: Services): Router {
  const router = express.Router();
  const hits = createHitWriter(services.db);
  router.get("/o/:token.gif", async (req, res) => {
    const claims = verifyToken(services.secret, req.params.token, "o");
    if (claims) {
      const userAgent = req.get("user-agent");
      await hits.record({
        campaignId: claims.campaignId, scheduledEmailId: claims.scheduledEmailId, type: "opened",
        machine: isMachineOpen(userAgent, null), machineWithinMs: MACHINE_OPEN_WINDOW_MS, userAgent, ip: req.ip,
      }).catch((error) => services.log.error("could not record an open", { error }));
    }
    // A forged pixel still gets a pixel: an image error would tell nothing useful to anyone.
    res.set({ "Content-Type": "image/gif", "Cache-Control": "no-store, max-age=0", "Content-Length": String(GIF.length) }).end(GIF);
  });
  router.get("/c/:token", async (req, res) => {
    const click = verifyClick(services.secret, req.params.token);
    if (!click) {
      res.status(400).type("text").send("This link is not valid. Open the link from the email itself.");
      return;
    }
    await hits.record({
      campaignId: click.campaignId, scheduledEmailId: click.scheduledEmailId, type: "clicked", data: { link: click.url },
      userAgent: req.get("user-agent"), ip: req.ip,
    }).catch((error) => services.log.error("could not record a click", { error }));
    res.redirect(302, click.url);
  });
  return router;
}
