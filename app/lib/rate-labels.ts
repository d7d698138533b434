/**
 * How every screen names a rate: the base is in the label (people or emails).
 * The definitions behind them are server/stats/rates.ts.
 */
export const RATE_LABELS = {
  open: "Open rate (people)",
  click: "Click rate (people)",
  reply: "Reply rate (people)",
  unsubscribe: "Unsubscribe rate (people)",
  bounce: "Bounce rate (people)",
  delivery: "Delivery rate (emails)",
  humanOpen: "Human open rate (people)",
  humanClick: "Human click rate (people)",
  humanClickToOpen: "Human click-to-open (clickers of openers)",
} as const;
