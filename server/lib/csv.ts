/**
 * One CSV cell, safe to open in a spreadsheet: a value starting with = + - @
 * (or a tab or carriage return before them) would run as a formula, so it
 * gets a leading apostrophe; quotes, commas and line breaks are quoted.
 */
export function csvCell(v: unknown): string {
  const s = v == null ? "" : v instanceof Date ? v.toISOString() : String(v);
  const safe = /^[=+\-@\t\r]/.test(s) ? `'${s}` : s;
  return /[",\n\r]/.test(safe) ? `"${safe.replace(/"/g, '""')}"` : safe;
}
