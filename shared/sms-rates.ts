/**
 * SMS rates, every one per message sent (docs/decisions/040): delivered,
 * failed, replied and opted out, each of the text messages Twilio accepted.
 * Replies and opt-outs count people (once each), so the opt-out rate reads
 * "people who texted STOP per text sent". Null before anything was sent.
 */
export function smsRatesOf(c: { smsSent: number; smsDelivered: number; smsFailed: number; smsReplied: number; smsOptedOut: number }) {
  const of = (n: number) => (c.smsSent ? n / c.smsSent : null);
  return { base: { count: c.smsSent, of: "texts sent" }, delivery: of(c.smsDelivered), failure: of(c.smsFailed), reply: of(c.smsReplied), optOut: of(c.smsOptedOut) };
}
