import { fmtDate, fmtRelative } from "../lib/format";
import { useHydrated } from "../lib/hydrated";

type Value = string | Date | null | undefined;
const iso = (v: Value) => (v ? new Date(v).toISOString() : undefined);

/**
 * A date in the viewer's time zone. The server does not know it, so the HTML
 * says UTC and the browser switches to local time once hydrated; with an
 * explicit zone (a campaign's) both render the same text.
 */
export function When({ value, timeZone }: { value: Value; timeZone?: string }) {
  const hydrated = useHydrated();
  if (!value) return <>–</>;
  const zone = timeZone ?? (hydrated ? undefined : "UTC");
  return <time dateTime={iso(value)} title={fmtDate(value, "UTC") + " UTC"}>{fmtDate(value, zone)}{zone === "UTC" && !timeZone ? " UTC" : ""}</time>;
}

/** "3 min ago": depends on the moment it renders, so the browser's first render reuses the server's text. */
export function Ago({ value }: { value: Value }) {
  const hydrated = useHydrated();
  if (!value) return <>never</>;
  return <time dateTime={iso(value)} title={hydrated ? fmtDate(value) : undefined} suppressHydrationWarning>{fmtRelative(value)}</time>;
}
