import type { Transport } from "../sending/transport";

/**
 * One transport for a batch that may hold emails and text messages: emails
 * go to the email transport (Resend or the Outbox) in one call with the
 * batch's key, text messages to the SMS transport (Twilio or the Outbox),
 * and the answers come back in the batch's order. A retake hands both the
 * same stored messages again: Resend answers from its idempotency cache,
 * Twilio's messages from Herald's ledger (docs/decisions/041).
 */
export function channelTransport(email: Transport, sms: Transport): Transport {
  if (email === sms) return email;
  return {
    // The provider whose health and rate the send loop watches: the one that can fail.
    name: email.rateLimited ? email.name : sms.name,
    rateLimited: email.rateLimited || sms.rateLimited,
    transactional: email.transactional && sms.transactional,
    async send(messages, options) {
      const emails = messages.filter((m) => m.channel !== "sms");
      const texts = messages.filter((m) => m.channel === "sms");
      if (!texts.length) return email.send(messages, options);
      if (!emails.length) return sms.send(messages, options);
      const sent = await email.send(emails, options);
      const textsSent = await sms.send(texts, options);
      return messages.map((m) => (m.channel === "sms" ? textsSent.shift()! : sent.shift()!));
    },
  };
}
