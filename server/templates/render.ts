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
  /** What was removed from the HTML (links that were not http(s) or mailto, unsafe sources, scripts, event handlers); a preview says so. */
  droppedLinks: string[];
}

export function renderTemplate(template: TemplateParts, data: MergeData): Rendered {
  const { html, dropped } = sanitizeHtml(renderString(template.html, data, "html"));
  return {
    subject: renderString(template.subject, data, "text").replace(/[\r\n]+/g, " "),
    html,
    text: renderString(template.text, data, "text"),
    droppedLinks: dropped,
  };
}

/** A start tag, quoted attribute values may hold `>`. */
const TAG_OPEN = /<[a-zA-Z][^\s/>]*(?:\s+[^\s"'>/=]+(?:\s*=\s*(?:"[^"]*"|'[^']*'|[^\s"'>]+))?)*\s*\/?>/g;
const ATTRIBUTE = /(\s)([^\s"'>/=]+)(\s*=\s*)("[^"]*"|'[^']*'|[^\s"'>]+)/g;
const LINK_ATTRIBUTES = new Set(["href", "xlink:href", "action", "formaction"]);
const SOURCE_ATTRIBUTES = new Set(["src", "srcset", "background", "poster"]);
const ALLOWED_SCHEME = /^(https?|mailto):/i;
const ALLOWED_SOURCE = /^(https?:|cid:|data:image\/(png|gif|jpe?g|webp);)/i;
/** Content that runs or navigates by itself: scripts, and a refresh that sends the reader elsewhere. */
const ACTIVE_ELEMENTS = /<script\b[\s\S]*?(<\/script\s*>|$)|<meta\b[^>]*http-equiv\s*=\s*["']?refresh[^>]*>/gi;
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
 * scheme-less paths included (they mean nothing in an email), loses the
 * attribute. Images and other sources keep http(s), cid: and inline images
 * only; event handlers (`onerror=`), scripts and refreshes are removed. Only
 * inside tags: text that reads `href=` stays text.
 */
export function sanitizeHtml(html: string): { html: string; dropped: string[] } {
  const dropped: string[] = [];
  const inert = html.replace(ACTIVE_ELEMENTS, (element) => {
    dropped.push(element.length > 80 ? `${element.slice(0, 77)}...` : element);
    return "";
  });
  const out = inert.replace(TAG_OPEN, (tag) =>
    tag.replace(ATTRIBUTE, (match, space: string, name: string, _eq: string, quoted: string) => {
      const attribute = name.toLowerCase();
      const raw = quoted.replace(/^["']|["']$/g, "");
      const url = decodeAttribute(raw);
      if (attribute.startsWith("on")) {
        dropped.push(`${name}=${raw}`);
        return space;
      }
      if (LINK_ATTRIBUTES.has(attribute) && !(url.startsWith("#") || ALLOWED_SCHEME.test(url))) {
        dropped.push(raw);
        return space;
      }
      if (SOURCE_ATTRIBUTES.has(attribute) && !ALLOWED_SOURCE.test(url)) {
        dropped.push(raw);
        return space;
      }
      return match;
    }));
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
