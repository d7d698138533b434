type Level = "debug" | "info" | "warn" | "error";
const order: Record<Level | "silent", number> = { debug: 10, info: 20, warn: 30, error: 40, silent: 100 };
const SECRET_KEY = /pass(word)?|secret|token|api_?key|authorization|cookie/i;

export type Fields = Record<string, unknown>;

export interface Logger {
  debug(msg: string, fields?: Fields): void;
  info(msg: string, fields?: Fields): void;
  warn(msg: string, fields?: Fields): void;
  error(msg: string, fields?: Fields): void;
  child(fields: Fields): Logger;
}

/** A failed query's message and stack list its parameters (addresses, hashes, bodies): the statement stays, they go. */
const QUERY_PARAMS = /\nparams: [\s\S]*?(?=\n\s+at |$)/g;
const withoutParams = (text: string) => text.replace(QUERY_PARAMS, "\nparams: [redacted]");

/** Secrets are never logged: any field whose name looks like one is masked, and so are a failed query's parameters. */
function redact(fields: Fields): Fields {
  const out: Fields = {};
  for (const [k, v] of Object.entries(fields)) {
    if (SECRET_KEY.test(k)) out[k] = "[redacted]";
    else if (v instanceof Error) out[k] = withoutParams(v.message);
    else out[k] = typeof v === "string" ? withoutParams(v) : v;
  }
  return out;
}

export function createLogger(level: Level | "silent" = "info", base: Fields = {}): Logger {
  const write = (l: Level, msg: string, fields?: Fields) => {
    if (order[l] < order[level]) return;
    const all = redact({ ...base, ...fields });
    const extra = Object.entries(all)
      .map(([k, v]) => `${k}=${typeof v === "string" ? v : JSON.stringify(v)}`)
      .join(" ");
    const line = `${new Date().toISOString()} ${l.toUpperCase().padEnd(5)} ${msg}${extra ? ` ${extra}` : ""}`;
    (l === "error" || l === "warn" ? process.stderr : process.stdout).write(`${line}\n`);
  };
  return {
    debug: (m, f) => write("debug", m, f),
    info: (m, f) => write("info", m, f),
    warn: (m, f) => write("warn", m, f),
    error: (m, f) => write("error", m, f),
    child: (fields) => createLogger(level, { ...base, ...fields }),
  };
}
