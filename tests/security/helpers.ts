import type { Fields, Logger } from "../../server/lib/log";

/** A logger that keeps its lines, so a test can find the stack logged under a ref. */
export function capturingLogger() {
  const lines: Array<{ level: string; msg: string; fields: Fields }> = [];
  const make = (base: Fields): Logger => {
    const write = (level: string) => (msg: string, fields: Fields = {}) => void lines.push({ level, msg, fields: { ...base, ...fields } });
    return { debug: write("debug"), info: write("info"), warn: write("warn"), error: write("error"), child: (f) => make({ ...base, ...f }) };
  };
  return { log: make({}), lines };
}

/** A form post as a browser on `origin` sends it. */
export function formPost(url: string, fields: Record<string, string>, headers: Record<string, string> = {}) {
  return fetch(url, { method: "POST", headers, body: new URLSearchParams(fields), redirect: "manual" });
}

export const trpcInput = (value: unknown) => encodeURIComponent(JSON.stringify({ json: value }));
