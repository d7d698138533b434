/**
 * Money is kept as integers: millionths of a currency unit ("micros"), so
 * sums are exact (docs/decisions/048). Twilio writes a charge as a negative
 * decimal string in its `price_unit` ("-0.00790" USD is a charge of 7,900
 * micros).
 */
export const MICROS = 1_000_000;

/** The charge a Twilio price stands for, in micros; null when it is not a decimal number. Digits past the sixth are rounded (half up). */
export function chargeMicros(price: string): number | null {
  const m = /^\s*([+-]?)(\d+)(?:\.(\d+))?\s*$/.exec(price);
  if (!m) return null;
  const fraction = (m[3] ?? "").padEnd(7, "0");
  let micros = Number(m[2]) * MICROS + Number(fraction.slice(0, 6));
  if (Number(fraction[6]) >= 5) micros += 1;
  if (!Number.isSafeInteger(micros)) return null;
  // Twilio's price is what the account was charged, written negative; a positive one is a credit.
  return m[1] === "-" || micros === 0 ? micros : -micros;
}

/** Micros as an exact decimal string (7900 → "0.0079"): no float rounding in a file people sum. */
export function decimal(micros: number): string {
  const sign = micros < 0 ? "-" : "";
  const abs = Math.abs(micros);
  const fraction = String(abs % MICROS).padStart(6, "0").replace(/0+$/, "");
  return `${sign}${Math.floor(abs / MICROS)}${fraction ? `.${fraction}` : ""}`;
}

/** What a set of texts cost, per currency (usually one: the Twilio account's). */
export type Cost = Array<{ currency: string; texts: number; costMicros: number }>;

/** "$0.0158", "€12.40": at least two decimals, as many as the sum needs (up to six). A code Intl does not know is written after the amount. */
export function formatMoney(micros: number, currency: string): string {
  const amount = micros / MICROS;
  try {
    return new Intl.NumberFormat("en-US", { style: "currency", currency, minimumFractionDigits: 2, maximumFractionDigits: 6 }).format(amount);
  } catch {
    return `${amount.toFixed(6).replace(/0{1,4}$/, "")} ${currency}`;
  }
}

/** A cost in one line: "$1.23" or "$1.23 + €0.50"; "–" when nothing was priced. */
export const formatCost = (cost: Cost) => (cost.length ? cost.map((c) => formatMoney(c.costMicros, c.currency)).join(" + ") : "–");
