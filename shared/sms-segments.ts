/**
 * SMS length the way carriers count it (docs/decisions/042). Pure: the
 * campaign form imports it for the live count, the server for validation.
 *
 * GSM-7 (GSM 03.38 basic set, plus the extension table whose characters take
 * two septets): 160 characters in one message, 153 per segment when it is
 * split. Anything else (an emoji, a curly quote, most non-Latin scripts)
 * makes the whole message UCS-2: 70 in one, 67 per segment, counted in
 * UTF-16 code units (an emoji is two).
 */
const GSM_BASIC = "@£$¥èéùìòÇ\nØø\rÅåΔ_ΦΓΛΩΠΨΣΘΞÆæßÉ !\"#¤%&'()*+,-./0123456789:;<=>?¡ABCDEFGHIJKLMNOPQRSTUVWXYZÄÖÑÜ§¿abcdefghijklmnopqrstuvwxyzäöñüà";
const GSM_EXTENDED = "^{}\\[~]|€\f";
const basic = new Set(GSM_BASIC);
const extended = new Set(GSM_EXTENDED);

/** The line every SMS ends with; the form shows it fixed under the body and the server adds it when missing. */
export const OPT_OUT_LINE = "Reply STOP to opt out";

export interface SegmentCount {
  encoding: "GSM-7" | "UCS-2";
  /** Units as the carrier counts them: septets for GSM-7 (an extension character is two), UTF-16 code units for UCS-2. */
  units: number;
  segments: number;
  /** Units per segment at this length (160/153 or 70/67). */
  perSegment: number;
  /** Characters that forced UCS-2, first few. */
  unicode: string[];
}

export function countSegments(text: string): SegmentCount {
  let septets = 0;
  const unicode: string[] = [];
  for (const ch of text) {
    if (basic.has(ch)) septets += 1;
    else if (extended.has(ch)) septets += 2;
    else if (unicode.length < 5 && !unicode.includes(ch)) unicode.push(ch);
  }
  if (!unicode.length) {
    const perSegment = septets <= 160 ? 160 : 153;
    return { encoding: "GSM-7", units: septets, segments: septets === 0 ? 0 : Math.ceil(septets / perSegment), perSegment, unicode };
  }
  const units = text.length;
  const perSegment = units <= 70 ? 70 : 67;
  return { encoding: "UCS-2", units, segments: Math.ceil(units / perSegment), perSegment, unicode };
}

/** The body with the opt-out line at its end (added once, when it is not there already). */
export function withOptOut(body: string): string {
  const trimmed = body.replace(/\s+$/, "");
  if (trimmed.toLowerCase().endsWith(OPT_OUT_LINE.toLowerCase())) return trimmed;
  return trimmed ? `${trimmed}\n${OPT_OUT_LINE}` : OPT_OUT_LINE;
}

/** The body as typed, without the fixed opt-out line (for the form's textarea). */
export function withoutOptOut(body: string): string {
  const trimmed = body.replace(/\s+$/, "");
  return trimmed.toLowerCase().endsWith(OPT_OUT_LINE.toLowerCase()) ? trimmed.slice(0, -OPT_OUT_LINE.length).replace(/\s+$/, "") : trimmed;
}

/** More than this many segments is refused: long texts cost per segment and read badly on a phone. */
export const MAX_SEGMENTS = 6;
