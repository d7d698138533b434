import express, { type Router } from "express";
import type { Services } from "../services";
import { requestFold } from "../tracking/hits";
import { handleResendEvent, verifyResendSignature } from "../tracking/resend-webhooks";

/** POST /webhooks/resend: signature checked on the raw body before anything is parsed or recorded. */
export function webhookRoutes(services: Services): Router {
  const router = express.Router();
  router.post("/webhooks/resend", express.text({ type: "*/*", limit: "1mb" }), async (req, res) => {
    const secret = services.config.RESEND_WEBHOOK_SECRET;
    if (!secret) {
      res.status(503).json({ error: "RESEND_WEBHOOK_SECRET is not set: Herald cannot verify webhooks, so it accepts none." });
      return;
    }
    const raw = typeof req.body === "string" ? req.body : "";
    const problem = verifyResendSignature(secret, { id: req.get("svix-id"), timestamp: req.get("svix-timestamp"), signature: req.get("svix-signature") }, raw);
    if (problem) {
      services.log.warn("rejected a webhook", { reason: problem });
      res.status(400).json({ error: `invalid webhook: ${problem}` });
      return;
    }
    let body: unknown;
    try {
      body = JSON.parse(raw);
    } catch {
      res.status(400).json({ error: "invalid webhook: body is not JSON" });
      return;
    }
    const outcome = await handleResendEvent(services.db, services.secret, req.get("svix-id")!, body);
    if (outcome.message.startsWith("recorded")) await requestFold(services.db);
    res.status(outcome.status).json({ message: outcome.message });
  });
  return router;
}
