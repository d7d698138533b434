import { createHmac, randomBytes, randomUUID } from "node:crypto";

/** A webhook secret in Resend's format. */
export const webhookSecret = () => `whsec_${randomBytes(24).toString("base64")}`;

/** Sends a webhook the way Resend (through Svix) does: signed headers over the exact raw body. */
export async function deliverWebhook(url: string, secret: string, event: unknown, options: { id?: string; timestamp?: number; tamper?: boolean; signWith?: string } = {}) {
  const id = options.id ?? `msg_${randomUUID()}`;
  const timestamp = String(options.timestamp ?? Math.floor(Date.now() / 1000));
  const body = JSON.stringify(event);
  const key = Buffer.from((options.signWith ?? secret).replace(/^whsec_/, ""), "base64");
  const signature = createHmac("sha256", key).update(`${id}.${timestamp}.${body}`).digest("base64");
  const sent = options.tamper ? body.replace("delivered", "complained") : body;
  const res = await fetch(url, {
    method: "POST",
    headers: { "content-type": "application/json", "svix-id": id, "svix-timestamp": timestamp, "svix-signature": `v1,${signature}` },
    body: sent,
  });
  return { status: res.status, body: (await res.json()) as { message?: string; error?: string }, id };
}
