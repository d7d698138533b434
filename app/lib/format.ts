const numberFormat = new Intl.NumberFormat("en-US");
export const fmtInt = (n: number | null | undefined) => (n == null ? "–" : numberFormat.format(n));
/** A count with its noun: "1 person", "3 people". */
export const fmtCount = (n: number | null | undefined, one: string, many: string) => `${fmtInt(n)} ${n === 1 ? one : many}`;
export const fmtPct = (r: number | null | undefined) => (r == null ? "–" : `${(r * 100).toFixed(r < 0.1 ? 1 : 0)}%`);

/**
 * A date and time in a fixed locale. Pass a time zone for anything rendered on
 * the server: without one the process's zone is used, which differs between
 * the server and the browser (components/Time.tsx handles that case).
 */
export function fmtDate(value: string | Date | null | undefined, timeZone?: string) {
  if (!value) return "–";
  return new Date(value).toLocaleString("en-GB", { dateStyle: "medium", timeStyle: "short", timeZone });
}

export function fmtRelative(value: string | Date | null | undefined, now = Date.now()) {
  if (!value) return "never";
  const seconds = Math.round((now - new Date(value).getTime()) / 1000);
  const abs = Math.abs(seconds);
  const [n, unit] = abs < 60 ? [abs, "s"] : abs < 3600 ? [Math.round(abs / 60), "min"] : abs < 86400 ? [Math.round(abs / 3600), "h"] : [Math.round(abs / 86400), "d"];
  return seconds >= 0 ? `${n} ${unit} ago` : `in ${n} ${unit}`;
}
