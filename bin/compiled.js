// Which code `herald` runs: the compiled dist/cli/ when it is current, else the TypeScript sources through tsx.
import { readFileSync, statSync } from "node:fs";
import path from "node:path";

/**
 * The compiled entry point, or null with the reason to run the sources instead:
 * HERALD_DEV is set, nothing is compiled, or a source that went into the build
 * changed after the build started (so an edit is never run stale).
 */
export function compiledEntry(root, env = process.env) {
  if (env.HERALD_DEV && env.HERALD_DEV !== "0") return { entry: null, reason: "HERALD_DEV is set" };
  const dir = path.join(root, "dist/cli");
  let manifest;
  try {
    manifest = JSON.parse(readFileSync(path.join(dir, "manifest.json"), "utf8"));
  } catch {
    return { entry: null, reason: "the CLI is not compiled yet" };
  }
  for (const file of manifest.inputs) {
    let changed;
    try {
      changed = statSync(path.join(root, file)).mtimeMs;
    } catch {
      return { entry: null, reason: `${file} is gone since the CLI was compiled` };
    }
    if (changed >= manifest.startedAt) return { entry: null, reason: `${file} changed after the CLI was compiled` };
  }
  return { entry: path.join(dir, "main.js"), reason: null };
}
