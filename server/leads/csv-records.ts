import { createInterface } from "node:readline";
import { Readable } from "node:stream";

/** One record of the file: its own first line number, its fields, and the text it came from. */
export type CsvRecord =
  | { ok: true; line: number; lastLine: number; fields: string[]; raw: string }
  | { ok: false; line: number; reason: string; raw: string };

/** A quoted value may run over this many lines (an address with line breaks); longer is an unclosed quote. */
const MAX_LINES_PER_RECORD = 20;

/**
 * Reads a CSV file record by record, streaming, and never loses a line: a
 * record that cannot be read (an unclosed quote, a stray quote inside a
 * value, more values than the header has columns) is reported as one
 * rejected line, with a reason in plain words, and reading starts again at
 * the next line instead of swallowing the rest of the file. Line numbers are
 * the file's own, in order. Quotes inside an unquoted value (=HYPERLINK("…"))
 * are kept as written.
 */
export async function* csvRecords(input: Readable | string, options: { maxColumns?: () => number | null; multiLineOk?: (fields: string[]) => boolean } = {}): AsyncGenerator<CsvRecord> {
  const stream = typeof input === "string" ? Readable.from([input]) : input;
  const lines = createInterface({ input: stream, crlfDelay: Infinity })[Symbol.asyncIterator]();
  const queue: Array<{ n: number; text: string }> = [];
  let next = 1;
  let ended = false;
  const fill = async (count: number) => {
    while (!ended && queue.length < count) {
      const r = await lines.next();
      if (r.done) ended = true;
      else queue.push({ n: next++, text: next === 2 ? r.value.replace(/^\uFEFF/, "") : r.value });
    }
  };
  for (;;) {
    await fill(1);
    if (!queue.length) return;
    if (queue[0]!.text.trim() === "") {
      queue.shift(); // blank lines are not rows
      continue;
    }
    const parsed = await parseRecord(queue, fill);
    const first = queue[0]!;
    const max = options.maxColumns?.() ?? null;
    if (parsed.ok && max !== null && parsed.fields.length > max && parsed.fields.slice(max).some((f) => f.trim() !== "")) {
      queue.shift();
      yield { ok: false, line: first.n, raw: first.text, reason: `this line has ${parsed.fields.length} values but the header has ${max} columns: a value with a comma needs double quotes around it` };
      continue;
    }
    if (parsed.ok && parsed.linesUsed > 1 && options.multiLineOk && !options.multiLineOk(parsed.fields)) {
      queue.shift(); // a quote that runs into the next lines and makes nonsense there: blame this line, read the next afresh
      yield { ok: false, line: first.n, raw: first.text, reason: 'a double quote (") opens a value that is never closed on its line' };
      continue;
    }
    if (!parsed.ok) {
      queue.shift(); // only the first line is blamed; the next line is read afresh
      yield { ok: false, line: first.n, raw: first.text, reason: parsed.reason };
      continue;
    }
    const used = queue.splice(0, parsed.linesUsed);
    yield { ok: true, line: first.n, lastLine: used[used.length - 1]!.n, fields: parsed.fields, raw: used.map((l) => l.text).join("\n") };
  }
}

type Parsed = { ok: true; fields: string[]; linesUsed: number } | { ok: false; reason: string };

async function parseRecord(queue: Array<{ n: number; text: string }>, fill: (n: number) => Promise<void>): Promise<Parsed> {
  const fields: string[] = [];
  let li = 0;
  let text = queue[0]!.text;
  let i = 0;
  for (;;) {
    // Start of a field.
    while (text[i] === " " || text[i] === "\t") i++;
    if (text[i] === '"') {
      let value = "";
      i++;
      for (;;) {
        if (i >= text.length) {
          li++;
          if (li >= MAX_LINES_PER_RECORD) return { ok: false, reason: 'a double quote (") opens a value that is never closed' };
          await fill(li + 1);
          if (li >= queue.length) return { ok: false, reason: 'a double quote (") opens a value that is never closed before the end of the file' };
          value += "\n";
          text = queue[li]!.text;
          i = 0;
          continue;
        }
        const ch = text[i]!;
        if (ch === '"') {
          if (text[i + 1] === '"') { value += '"'; i += 2; continue; }
          i++;
          break;
        }
        value += ch;
        i++;
      }
      while (text[i] === " " || text[i] === "\t") i++;
      if (i < text.length && text[i] !== ",") {
        return { ok: false, reason: li ? 'a double quote (") opens a value that is never closed on its line' : 'a double quote (") inside a value: put the whole value in double quotes and write each quote inside it twice ("")' };
      }
      fields.push(value);
    } else {
      const end = text.indexOf(",", i);
      fields.push((end < 0 ? text.slice(i) : text.slice(i, end)).trim());
      i = end < 0 ? text.length : end;
    }
    if (i >= text.length) return { ok: true, fields, linesUsed: li + 1 };
    i++; // the comma
    if (i >= text.length) { fields.push(""); return { ok: true, fields, linesUsed: li + 1 }; }
  }
}
