import { parsePhoneNumberWithError, ParseError, type CountryCode } from "libphonenumber-js/max";

export type PhoneResult = { ok: true; e164: string; country: string | null; timeZone: string | null } | { ok: false; reason: string };

/**
 * A representative IANA zone per calling country, for SMS quiet hours when a
 * lead has no time zone of its own (docs/decisions/043). Countries spanning
 * several zones get their most populous one; a lead's own time zone always wins.
 */
const COUNTRY_ZONES: Record<string, string> = {
  US: "America/New_York", CA: "America/Toronto", MX: "America/Mexico_City", BR: "America/Sao_Paulo", AR: "America/Argentina/Buenos_Aires",
  CL: "America/Santiago", CO: "America/Bogota", PE: "America/Lima", GB: "Europe/London", IE: "Europe/Dublin", FR: "Europe/Paris",
  DE: "Europe/Berlin", AT: "Europe/Vienna", CH: "Europe/Zurich", NL: "Europe/Amsterdam", BE: "Europe/Brussels", LU: "Europe/Luxembourg",
  ES: "Europe/Madrid", PT: "Europe/Lisbon", IT: "Europe/Rome", DK: "Europe/Copenhagen", SE: "Europe/Stockholm", NO: "Europe/Oslo",
  FI: "Europe/Helsinki", PL: "Europe/Warsaw", CZ: "Europe/Prague", SK: "Europe/Bratislava", HU: "Europe/Budapest", RO: "Europe/Bucharest",
  BG: "Europe/Sofia", GR: "Europe/Athens", TR: "Europe/Istanbul", UA: "Europe/Kyiv", RU: "Europe/Moscow", IL: "Asia/Jerusalem",
  AE: "Asia/Dubai", SA: "Asia/Riyadh", EG: "Africa/Cairo", ZA: "Africa/Johannesburg", NG: "Africa/Lagos", KE: "Africa/Nairobi",
  IN: "Asia/Kolkata", PK: "Asia/Karachi", SG: "Asia/Singapore", MY: "Asia/Kuala_Lumpur", ID: "Asia/Jakarta", PH: "Asia/Manila",
  TH: "Asia/Bangkok", VN: "Asia/Ho_Chi_Minh", CN: "Asia/Shanghai", HK: "Asia/Hong_Kong", TW: "Asia/Taipei", JP: "Asia/Tokyo",
  KR: "Asia/Seoul", AU: "Australia/Sydney", NZ: "Pacific/Auckland",
};

export const zoneForCountry = (country: string | null | undefined) => (country ? COUNTRY_ZONES[country] ?? null : null);

const REASONS: Record<string, string> = {
  INVALID_COUNTRY: "has no country code: write it in international form (+44 20 7946 0000)",
  NOT_A_NUMBER: "is not a phone number",
  TOO_SHORT: "is too short to be a phone number",
  TOO_LONG: "is too long to be a phone number",
  INVALID_LENGTH: "has the wrong number of digits",
};

/**
 * Validates a phone number and normalises it to E.164. A number without a
 * country code is read as `defaultCountry`'s (SMS_DEFAULT_COUNTRY) when one is
 * set. The reason is plain words, for a rejected import line or a form field.
 */
export function normalisePhone(raw: string, defaultCountry?: string): PhoneResult {
  const input = raw.trim();
  const shown = `"${input.slice(0, 40)}"`;
  try {
    const parsed = parsePhoneNumberWithError(input, defaultCountry ? { defaultCountry: defaultCountry as CountryCode } : undefined);
    if (!parsed.isValid()) return { ok: false, reason: `${shown} is not a valid phone number for ${parsed.country ?? `+${parsed.countryCallingCode}`}` };
    const country = parsed.country ?? null;
    return { ok: true, e164: parsed.number, country, timeZone: zoneForCountry(country) };
  } catch (error) {
    if (error instanceof ParseError) return { ok: false, reason: `${shown} ${REASONS[error.message] ?? "is not a valid phone number"}` };
    throw error;
  }
}
