const cache = new Map<string, boolean>();

/** True for an IANA zone name that PostgreSQL and Intl both understand (e.g. Europe/Berlin). */
export function isValidTimeZone(zone: string): boolean {
  let ok = cache.get(zone);
  if (ok === undefined) {
    try {
      new Intl.DateTimeFormat("en-US", { timeZone: zone });
      ok = /^[A-Za-z_]+(\/[A-Za-z0-9_+-]+)*$/.test(zone);
    } catch {
      ok = false;
    }
    cache.set(zone, ok);
  }
  return ok;
}
