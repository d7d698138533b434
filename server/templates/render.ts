/**
 * Merge tags: {{first_name}}, {{first_name|there}} (fallback when empty),
 * any lead attribute by name. Values are HTML-escaped in HTML parts and left
 * plain in text parts and subjects. Unknown tags render their fallback or nothing.
 */
export interface MergeData {
  email: string;
  first_name?: string | null;
  last_name?: string | null;
  company?: string | null;
  [attribute: string]: string | null | undefined;
}

export interface TemplateParts {
  subject: string;
  html: string;
  text: string;
}

const TAG = /\{\{\s*([a-zA-Z0-9_.-]+)\s*(?:\|([^}]*))?\}\}/g;

const escapeHtml = (value: string) =>
  value.replace(/&/g, "&amp;").replace(/</g, "&lt;").replace(/>/g, "&gt;").replace(/"/g, "&quot;").replace(/'/g, "&#39;");

export function renderString(source: string, data: MergeData, mode: "html" | "text"): string {
  return source.replace(TAG, (_match, name: string, fallback: string | undefined) => {
    const raw = data[name.toLowerCase()] ?? data[name];
    const value = raw != null && String(raw).trim() !== "" ? String(raw) : (fallback ?? "").trim();
    return mode === "html" ? escapeHtml(value) : value;
  });
}

export interface Rendered extends TemplateParts {
  /** Link targets removed from the HTML because they were not http(s) or mailto; a preview says so. */
  droppedLinks: string[];
}

export function renderTemplate(template: TemplateParts, data: MergeData): Rendered {
  const { html, dropped } = safeHrefs(renderString(template.html, data, "html"));
  return {
    subject: renderString(template.subject, data, "text").replace(/[\r\n]+/g, " "),
    html,
    text: renderString(template.text, data, "text"),
    droppedLinks: dropped,
  };
}

const HREF = /(\s)(href|xlink:href|action|formaction)(\s*=\s*)("[^"]*"|'[^']*'|[^\s"'>]+)/gi;
const ALLOWED_SCHEME = /^(https?|mailto):/i;
const named: Record<string, string> = { amp: "&", colon: ":", tab: "\t", newline: "\n", sol: "/", lpar: "(", rpar: ")", quot: '"', apos: "'" };

/** The URL a browser would see: entities decoded, the tabs and newlines it ignores removed. */
function decodeAttribute(value: string): string {
  return value
    .replace(/&#x([0-9a-f]+);?/gi, (_m, hex: string) => String.fromCodePoint(Math.min(parseInt(hex, 16), 0x10ffff)))
    .replace(/&#([0-9]+);?/g, (_m, dec: string) => String.fromCodePoint(Math.min(Number(dec), 0x10ffff)))
    .replace(/&([a-z]+);?/gi, (m, name: string) => named[name.toLowerCase()] ?? m)
    // eslint-disable-next-line no-control-regex -- browsers ignore these inside a URL, so they must be removed before the scheme check
    .replace(/[\u0000-\u0020\u007f]+/g, "");
}

/**
 * Only http(s) and mailto links survive (and in-page `#` anchors): a lead's
 * data must not turn `href="{{website}}"` into `javascript:`. Anything else,
 * scheme-less paths included (they mean nothing in an email), loses the attribute.
 */
export function safeHrefs(html: string): { html: string; dropped: string[] } {
  const dropped: string[] = [];
  const out = html.replace(HREF, (match, space: string, _name: string, _eq: string, quoted: string) => {
    const raw = quoted.replace(/^["']|["']$/g, "");
    const url = decodeAttribute(raw);
    if (url.startsWith("#") || ALLOWED_SCHEME.test(url)) return match;
    dropped.push(raw);
    return space;
  });
  return { html: out, dropped };
}

/** The tags a template uses, so the editor can warn about ones no lead has. */
export function tagsIn(template: TemplateParts): string[] {
  const names = new Set<string>();
  for (const part of [template.subject, template.html, template.text]) {
    for (const m of part.matchAll(TAG)) names.add(m[1]!.toLowerCase());
  }
  return [...names].sort();
}

export function mergeDataFor(lead: { email: string; firstName: string | null; lastName: string | null; company: string | null; attributes: Record<string, string> | null }): MergeData {
  const attributes = Object.fromEntries(Object.entries(lead.attributes ?? {}).map(([k, v]) => [k.toLowerCase(), v]));
  return { ...attributes, email: lead.email, first_name: lead.firstName, last_name: lead.lastName, company: lead.company };
}
