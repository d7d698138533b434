/**
 * Opens that no person made: mail privacy proxies that fetch every image on
 * delivery (Apple Mail Privacy Protection presents a bare "Mozilla/5.0"),
 * security scanners, and anything within seconds of the send. They are
 * recorded, flagged, and kept out of unique human opens.
 */
const SCANNERS = /(bot|crawler|spider|curl|wget|python-requests|go-http-client|java\/|okhttp|barracuda|mimecast|proofpoint|symantec|forcepoint|trendmicro|microsoft office protection|safelinks|yahoomailproxy|headless)/i;
export const MACHINE_OPEN_WINDOW_MS = 5_000;

export function isMachineOpen(userAgent: string | undefined, sentAt: Date | null, now = new Date()): boolean {
  const ua = (userAgent ?? "").trim();
  if (!ua || ua === "Mozilla/5.0" || SCANNERS.test(ua)) return true;
  return sentAt !== null && now.getTime() - sentAt.getTime() < MACHINE_OPEN_WINDOW_MS;
}
