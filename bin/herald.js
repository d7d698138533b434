#!/usr/bin/env node
// The package bin. Runs the compiled CLI (dist/cli/, built by `npm install`, `npm start` and
// `npm run build`) when it is current; otherwise, or with HERALD_DEV=1, the TypeScript sources
// through tsx (2–3 s slower to start), so an edited source is never run from a stale build.
import path from "node:path";
import { fileURLToPath, pathToFileURL } from "node:url";
import { compiledEntry } from "./compiled.js";

const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), "..");
const { entry, reason } = compiledEntry(root);
if (entry) {
  await import(pathToFileURL(entry).href);
} else {
  if (!process.env.HERALD_DEV && process.stderr.isTTY) {
    process.stderr.write(`herald: running the TypeScript sources (${reason}); \`npm run build\` makes it start quickly again.\n`);
  }
  const { register } = await import("tsx/esm/api");
  register();
  await import("../cli/main.ts");
}
