import { TZDate } from "@date-fns/tz";

export type WallClockResult = { ok: true; instant: Date | null } | { ok: false; error: string };

const pattern = /^(\d{4})-(\d{2})-(\d{2})T(\d{2}):(\d{2})$/;
const HOUR = 3_600_000;

/**
 * A `datetime-local` value is a wall-clock time in the campaign's zone; the
 * API wants an instant. The zone rules come from the platform's tz database
 * through @date-fns/tz, never from offsets worked out by hand (that put starts
 * an hour off around daylight-saving changes, issue 16).
 * - A time the clocks skip (02:30 on the night they jump forward) does not
 *   exist: refused with a sentence, never moved silently.
 * - A time that happens twice (the night they fall back) means the first one.
 */
export function wallClockToInstant(local: string | null, timeZone: string): WallClockResult {
  if (!local) return { ok: true, instant: null };
  const m = pattern.exec(local);
  if (!m) return { ok: false, error: `"${local}" is not a date and time (YYYY-MM-DDTHH:MM).` };
  const [year, month, day, hour, minute] = m.slice(1).map(Number) as [number, number, number, number, number];
  let zoned: TZDate;
  try {
    zoned = new TZDate(year, month - 1, day, hour, minute, 0, timeZone);
  } catch {
    return { ok: false, error: `Unknown time zone "${timeZone}": use a name like Europe/Berlin.` };
  }
  if (Number.isNaN(zoned.getTime())) return { ok: false, error: `Unknown time zone "${timeZone}": use a name like Europe/Berlin.` };
  if (instantToWallClock(zoned, timeZone) !== local) {
    return { ok: false, error: `${local.replace("T", " ")} does not exist in ${timeZone}: the clocks jump forward an hour that night. Choose a time outside the jump, such as ${instantToWallClock(zoned, timeZone)!.replace("T", " ")}.` };
  }
  const earlier = new Date(zoned.getTime() - HOUR);
  const instant = instantToWallClock(earlier, timeZone) === local ? earlier : new Date(zoned.getTime());
  return { ok: true, instant };
}

/** The wall-clock time of an instant in a zone, as a `datetime-local` value. */
export function instantToWallClock(instant: string | Date | null, timeZone: string): string | null {
  if (!instant) return null;
  const parts = new Intl.DateTimeFormat("en-CA", { timeZone, year: "numeric", month: "2-digit", day: "2-digit", hour: "2-digit", minute: "2-digit", hourCycle: "h23" }).formatToParts(new Date(instant));
  const get = (t: string) => parts.find((p) => p.type === t)?.value ?? "00";
  return `${get("year")}-${get("month")}-${get("day")}T${get("hour")}:${get("minute")}`;
}
