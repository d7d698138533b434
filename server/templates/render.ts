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

export function renderTemplate(template: TemplateParts, data: MergeData): TemplateParts {
  return {
    subject: renderString(template.subject, data, "text").replace(/[\r\n]+/g, " "),
    html: renderString(template.html, data, "html"),
    text: renderString(template.text, data, "text"),
  };
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
