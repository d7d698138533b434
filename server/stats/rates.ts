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
}

export interface Rates {
  delivery: number | null;
  open: number | null;
  click: number | null;
  clickToOpen: number | null;
  reply: number | null;
  bounce: number | null;
  complaint: number | null;
  unsubscribe: number | null;
}

const ratio = (n: number, d: number) => (d > 0 ? n / d : null);

/**
 * Engagement rates are over delivered mail when the provider reports
 * deliveries, else over sent mail (the outbox transport reports none).
 */
export function ratesOf(c: CounterSet): Rates {
  const reached = c.delivered > 0 ? c.delivered : c.sent;
  return {
    delivery: c.delivered > 0 ? ratio(c.delivered, c.sent) : null, // nothing reported (e.g. the outbox) is not 0 %
    open: ratio(c.opened, reached),
    click: ratio(c.clicked, reached),
    clickToOpen: ratio(c.clicked, c.opened),
    reply: ratio(c.replied, reached),
    bounce: ratio(c.bounced, c.sent),
    complaint: ratio(c.complained, reached),
    unsubscribe: ratio(c.unsubscribed, reached),
  };
}
