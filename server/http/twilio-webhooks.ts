import express, { type Router } from "express";
import twilio from "twilio";
import type { Services } from "../services";
import { handleInbound, handleStatusCallback, type SmsWebhookOutcome } from "../sms/webhooks";

/**
 * POST /webhooks/twilio/status (each message's StatusCallback) and
 * POST /webhooks/twilio/inbound (the number's "A message comes in" webhook).
 * X-Twilio-Signature is checked with the SDK's validateRequest against the
 * URL Twilio called (PUBLIC_URL + path and query) before anything is
 * recorded; a bad signature is refused with 403 and changes nothing.
 */
export function twilioWebhookRoutes(services: Services): Router {
  const router = express.Router();
  const form = express.urlencoded({ extended: false, limit: "64kb" });
  const verified = (handler: (req: express.Request, params: Record<string, string>) => Promise<SmsWebhookOutcome>, reply: (res: express.Response, outcome: SmsWebhookOutcome) => void) =>
    async (req: express.Request, res: express.Response) => {
      const token = services.config.TWILIO_AUTH_TOKEN;
      if (!token) {
        res.status(503).json({ error: "TWILIO_AUTH_TOKEN is not set: Herald cannot verify Twilio's webhooks, so it accepts none." });
        return;
      }
      const params = (req.body && typeof req.body === "object" ? req.body : {}) as Record<string, string>;
      const url = `${services.config.publicUrl}${req.originalUrl}`;
      if (!twilio.validateRequest(token, req.get("x-twilio-signature") ?? "", url, params)) {
        services.log.warn("rejected a Twilio webhook", { reason: "X-Twilio-Signature does not match", path: req.path });
        res.status(403).json({ error: "invalid webhook: X-Twilio-Signature does not match (is PUBLIC_URL the address Twilio calls?)" });
        return;
      }
      try {
        reply(res, await handler(req, params));
      } catch (error) {
        // Not recorded: a 5xx makes Twilio retry, and the dedup keys make the retry count once.
        services.log.error("could not record a Twilio webhook; answered 503", { error: String(error) });
        res.status(503).json({ error: "Herald could not record this webhook right now; retry later." });
      }
    };
  router.post("/webhooks/twilio/status", form, verified((req, params) => handleStatusCallback(services.db, req.query, params), (res, o) => { res.status(o.status).json({ message: o.message }); }));
  // Twilio expects TwiML from a messaging webhook: an empty Response sends no automatic reply (Twilio itself answers STOP and START).
  router.post("/webhooks/twilio/inbound", form, verified((_req, params) => handleInbound(services.db, params), (res, o) => {
    res.status(o.status).type("text/xml").send(`<?xml version="1.0" encoding="UTF-8"?><Response/>`);
  }));
  return router;
}
