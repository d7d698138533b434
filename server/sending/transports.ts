import type { Database } from "../../db/client";
import type { Config } from "../config";
import { channelTransport } from "../sms/channel-transport";
import { twilioTransport } from "../sms/twilio-transport";
import { outboxTransport } from "./outbox-transport";
import { resendTransport } from "./resend-transport";
import type { Transport } from "./transport";

/**
 * Email: Resend when an API key is configured, else the outbox. Text
 * messages: Twilio when its credentials are configured (its ledger needs the
 * database), else the outbox.
 */
export function createTransport(config: Config, db?: Database): Transport {
  const email = config.RESEND_API_KEY ? resendTransport(config.RESEND_API_KEY, config.RESEND_BASE_URL) : outboxTransport;
  const sms = config.smsTransport === "twilio" && db
    ? twilioTransport(db, { accountSid: config.TWILIO_ACCOUNT_SID!, authToken: config.TWILIO_AUTH_TOKEN!, baseUrl: config.TWILIO_BASE_URL, numberMps: config.TWILIO_NUMBER_MPS, accountMps: config.TWILIO_ACCOUNT_MPS })
    : outboxTransport;
  return channelTransport(email, sms);
}
