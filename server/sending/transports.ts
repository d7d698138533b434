import type { Config } from "../config";
import { outboxTransport } from "./outbox-transport";
import { resendTransport } from "./resend-transport";
import type { Transport } from "./transport";

/** Resend when an API key is configured, else the outbox. */
export function createTransport(config: Config): Transport {
  return config.RESEND_API_KEY ? resendTransport(config.RESEND_API_KEY, config.RESEND_BASE_URL) : outboxTransport;
}
