import { mkdirSync, mkdtempSync, rmSync, utimesSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import path from "node:path";
import { afterEach, describe, expect, it } from "vitest";
import { compiledEntry } from "../../bin/compiled.js";

const dirs: string[] = [];
afterEach(() => dirs.splice(0).forEach((d) => rmSync(d, { recursive: true, force: true })));

/** A project folder with two sources last changed at `changedAt` and a build that started at `builtAt`. */
function project(changedAt: number, builtAt: number | null) {
  const root = mkdtempSync(path.join(tmpdir(), "herald-bin-"));
  dirs.push(root);
  mkdirSync(path.join(root, "cli"));
  for (const f of ["cli/main.ts", "package-lock.json"]) {
    writeFileSync(path.join(root, f), "");
    utimesSync(path.join(root, f), changedAt / 1000, changedAt / 1000);
  }
  if (builtAt !== null) {
    mkdirSync(path.join(root, "dist/cli"), { recursive: true });
    writeFileSync(path.join(root, "dist/cli/manifest.json"), JSON.stringify({ startedAt: builtAt, inputs: ["cli/main.ts", "package-lock.json"] }));
  }
  return root;
}

describe("which code `herald` runs", () => {
  const hourAgo = Date.now() - 3_600_000;

  it("runs the compiled CLI when it was built after every source it holds was last changed", () => {
    const root = project(hourAgo, hourAgo + 1000);
    expect(compiledEntry(root, {})).toEqual({ entry: path.join(root, "dist/cli/main.js"), reason: null });
  });

  it("runs the sources when one changed after the build started, so an edit is never run stale", () => {
    const root = project(hourAgo, hourAgo + 1000);
    utimesSync(path.join(root, "cli/main.ts"), new Date(), new Date());
    expect(compiledEntry(root, {})).toEqual({ entry: null, reason: "cli/main.ts changed after the CLI was compiled" });
    const upgraded = project(hourAgo, hourAgo + 1000);
    utimesSync(path.join(upgraded, "package-lock.json"), new Date(), new Date());
    expect(compiledEntry(upgraded, {}).entry).toBeNull();
  });

  it("runs the sources when nothing is compiled, when a source went away, and whenever HERALD_DEV is set", () => {
    expect(compiledEntry(project(hourAgo, null), {})).toEqual({ entry: null, reason: "the CLI is not compiled yet" });
    const gone = project(hourAgo, hourAgo + 1000);
    rmSync(path.join(gone, "cli/main.ts"));
    expect(compiledEntry(gone, {}).reason).toBe("cli/main.ts is gone since the CLI was compiled");
    const built = project(hourAgo, hourAgo + 1000);
    expect(compiledEntry(built, { HERALD_DEV: "1" })).toEqual({ entry: null, reason: "HERALD_DEV is set" });
    expect(compiledEntry(built, { HERALD_DEV: "0" }).entry).not.toBeNull();
  });
});
