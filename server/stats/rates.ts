/**
 * The one definition of every rate Herald shows: the UI, `herald stats`, the
 * Airtable bases and the README all take theirs from here.
 *
 * Engagement rates are per person: the people who did something (opened,
 * clicked, replied, unsubscribed; opened and clicked already count each
 * person once per run) over the people reached. People reached are the
 * people mailed at least once (`peopleSent`) minus those whose mail bounced,
 * when the provider reports deliveries; with no delivery reports (the
 * outbox) they are the people mailed. A sequence's later steps therefore do
 * not lower its open rate: they add emails, not people.
 *
 * The only per-email figure is the delivery rate (emails delivered over
 * emails sent), labelled so wherever it is shown.
 *
 * Human rates leave out machine opens and clicks (privacy proxies, link
 * scanners: server/tracking/machine.ts): people who opened or clicked as a
 * person over the same people reached; human click-to-open is people who
 * clicked as a person over people who opened as one. Totals without people
 * (legacy imports) cannot tell people from machines: no human rates.
 */
export interface CounterSet {
  sent: number;
  delivered: number;
  failed: number;
  opened: number;
  clicked: number;
  replied: number;
  bounced: number;
  complained: number;
  unsubscribed: number;
  /** People mailed at least once; absent or 0 with emails sent means totals without people (legacy imports). */
  peopleSent?: number;
  people_sent?: number;
  peopleBounced?: number;
  people_bounced?: number;
  /** People who opened (a click implies it) or clicked as a person, machine opens and clicks left out. */
  humanOpened?: number;
  human_opened?: number;
  humanClicked?: number;
  human_clicked?: number;
}

export interface Rates {
  /** Per email: delivered emails over sent emails; null when the provider reports no deliveries. */
  delivery: number | null;
  open: number | null;
  click: number | null;
  clickToOpen: number | null;
  reply: number | null;
  bounce: number | null;
  complaint: number | null;
  unsubscribe: number | null;
  /** People who opened / clicked as a person over people reached; null without people (legacy totals). */
  humanOpen: number | null;
  humanClick: number | null;
  /** People who clicked as a person over people who opened as one. */
  humanClickToOpen: number | null;
  /** The base the engagement rates divide by, and what it counts. */
  base: { count: number; of: "people reached" | "emails sent" };
}

const ratio = (n: number, d: number) => (d > 0 ? Math.min(1, n / d) : null);

/** The people a set of counters reached: the denominator of every engagement rate. */
export function peopleReached(c: CounterSet): Rates["base"] {
  const people = Number(c.peopleSent ?? c.people_sent ?? 0);
  const bounced = Number(c.peopleBounced ?? c.people_bounced ?? 0);
  if (people === 0 && c.sent > 0) return { count: c.delivered > 0 ? c.delivered : c.sent, of: "emails sent" };
  return { count: c.delivered > 0 ? Math.max(0, people - bounced) : people, of: "people reached" };
}

export function ratesOf(c: CounterSet): Rates {
  const base = peopleReached(c);
  const people = Number(c.peopleSent ?? c.people_sent ?? 0);
  const bouncedPeople = Number(c.peopleBounced ?? c.people_bounced ?? 0);
  const humanOpened = Number(c.humanOpened ?? c.human_opened ?? 0);
  const humanClicked = Number(c.humanClicked ?? c.human_clicked ?? 0);
  return {
    delivery: c.delivered > 0 ? ratio(c.delivered, c.sent) : null, // nothing reported (e.g. the outbox) is not 0 %
    open: ratio(c.opened, base.count),
    click: ratio(c.clicked, base.count),
    clickToOpen: ratio(c.clicked, c.opened),
    reply: ratio(c.replied, base.count),
    bounce: base.of === "people reached" ? ratio(bouncedPeople, people) : ratio(c.bounced, c.sent),
    complaint: ratio(c.complained, base.count),
    unsubscribe: ratio(c.unsubscribed, base.count),
    humanOpen: base.of === "people reached" ? ratio(humanOpened, base.count) : null,
    humanClick: base.of === "people reached" ? ratio(humanClicked, base.count) : null,
    humanClickToOpen: base.of === "people reached" ? ratio(humanClicked, humanOpened) : null,
    base,
  };
}
