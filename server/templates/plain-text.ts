const ENTITIES: Record<string, string> = { amp: "&", lt: "<", gt: ">", quot: '"', "#39": "'", apos: "'", nbsp: " " };

/**
 * A readable plain-text part from a template's HTML: paragraphs and headings
 * become blank-line-separated blocks, list items "- ", links "text (url)",
 * everything else loses its tags. Merge tags pass through untouched. The user
 * can edit the result; it is generated only when asked.
 */
export function textFromHtml(html: string): string {
  let s = html.replace(/\r\n?/g, "\n");
  s = s.replace(/<(script|style|head)[^>]*>[\s\S]*?<\/\1>/gi, "");
  s = s.replace(/<a\b[^>]*href\s*=\s*("([^"]*)"|'([^']*)')[^>]*>([\s\S]*?)<\/a>/gi, (_m, _q, dq: string | undefined, sq: string | undefined, inner: string) => {
    const href = dq ?? sq ?? "";
    const label = inner.replace(/<[^>]+>/g, "").trim();
    return !label || label === href || href.startsWith("mailto:") && label === href.slice(7) ? href : `${label} (${href})`;
  });
  s = s.replace(/\n/g, " ");
  s = s.replace(/<br\s*\/?>/gi, "\n");
  s = s.replace(/<li\b[^>]*>/gi, "\n- ");
  s = s.replace(/<\/(p|div|h[1-6]|ul|ol|table|tr|blockquote)>/gi, "\n\n");
  s = s.replace(/<(p|div|h[1-6]|ul|ol|table|tr|blockquote)\b[^>]*>/gi, "\n\n");
  s = s.replace(/<[^>]+>/g, "");
  s = s.replace(/&(#\d+|#39|[a-z]+);/gi, (m, e: string) => ENTITIES[e.toLowerCase()] ?? (e.startsWith("#") ? String.fromCharCode(Number(e.slice(1))) : m));
  return s.split("\n").map((line) => line.replace(/[ \t]+/g, " ").trim()).join("\n").replace(/\n{3,}/g, "\n\n").trim() + "\n";
}
