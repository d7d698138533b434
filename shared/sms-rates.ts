/**
 * SMS counters of a run, a campaign or a period. Texts sent, delivered and
 * failed count messages; replies and opt-outs count people (once each);
 * people texted (at least one text Twilio accepted) and people with a
 * delivered text count people (docs/decisions/047).
 */
export interface SmsCounts {
  smsSent: number;
  smsDelivered: number;
  smsFailed: number;
  smsReplied: number;
  smsOptedOut: number;
  peopleTexted: number;
  peopleTextDelivered: number;
}

const ratio = (n: number, d: number) => (d > 0 ? Math.min(1, n / d) : null);

/**
 * The one definition of the SMS rates (the UI, `herald stats`, Analytics and
 * both Airtable bases take theirs from here), each over people texted, like
 * the email rates over people mailed (decision 018):
 * - delivery rate: people with a delivered text / people texted; null while
 *   no status was reported at all (the Outbox, or no status callbacks), as
 *   "nothing reported" is not 0 %;
 * - reply rate: people who replied by text / people texted;
 * - opt-out rate: people who texted STOP / people texted.
 * `perText` keeps the per-message figure, labelled so: texts delivered / texts sent.
 */
export function smsRatesOf(c: SmsCounts) {
  const people = c.peopleTexted;
  const reported = c.smsDelivered + c.smsFailed > 0;
  return {
    base: { count: people, of: "people texted" as const },
    delivery: reported ? ratio(c.peopleTextDelivered, people) : null,
    reply: ratio(c.smsReplied, people),
    optOut: ratio(c.smsOptedOut, people),
    perText: { base: { count: c.smsSent, of: "texts sent" as const }, delivery: reported ? ratio(c.smsDelivered, c.smsSent) : null },
  };
}

/** The SMS counters of a row read with snake_case columns (raw SQL), for smsRatesOf. */
export const smsCountsOf = (r: Record<string, unknown>): SmsCounts => ({
  smsSent: Number(r.sms_sent ?? 0), smsDelivered: Number(r.sms_delivered ?? 0), smsFailed: Number(r.sms_failed ?? 0), smsReplied: Number(r.sms_replied ?? 0),
  smsOptedOut: Number(r.sms_opted_out ?? 0), peopleTexted: Number(r.people_texted ?? 0), peopleTextDelivered: Number(r.people_text_delivered ?? 0),
});

/** How every screen names the SMS figures: the base is in the label. */
export const SMS_LABELS = {
  delivery: "SMS delivery rate (people)",
  reply: "SMS reply rate (people)",
  optOut: "Opt-out rate (people)",
  deliveryPerText: "SMS delivery rate (per text)",
} as const;
