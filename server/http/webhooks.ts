import express, { type Router } from "express";
import type { Services } from "../services";
import { requestFold } from "../tracking/hits";
import { handleResendEvent, verifyResendSignature } from "../tracking/resend-webhooks";

/**
 * POST /webhooks/resend: signature checked on the raw body before anything is
 * parsed or recorded; 2xx only once the event is committed.
 */
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
    let outcome: Awaited<ReturnType<typeof handleResendEvent>>;
    try {
      outcome = await handleResendEvent(services.db, services.secret, req.get("svix-id")!, body);
    } catch (error) {
      // Not recorded (database down, deadlock…): a 5xx makes Resend retry
      // later with the same svix-id, which the event log deduplicates.
      services.log.error("could not record a webhook; answered 503 so Resend retries it", { error: String(error) });
      res.status(503).set("Retry-After", "60").json({ error: "Herald could not record this webhook right now; retry later." });
      return;
    }
    if (outcome.message.startsWith("recorded")) {
      // Recorded already: the once-a-minute fold picks it up if this nudge fails.
      await requestFold(services.db).catch((error) => services.log.warn("could not request an event fold", { error: String(error) }));
    }
    res.status(outcome.status).json({ message: outcome.message });
  });
  return router;
}
