import { spawn } from "node:child_process";
import path from "node:path";

const root = path.resolve(import.meta.dirname, "../..");

/**
 * Runs the real `herald` bin in a child process: the compiled CLI, which the
 * global setup builds (HERALD_DEV is cleared unless a test sets it).
 */
export function herald(args: string[], env: Record<string, string> = {}, input?: string) {
  return new Promise<{ code: number; stdout: string; stderr: string }>((resolve) => {
    const child = spawn(process.execPath, [path.join(root, "bin/herald.js"), ...args], {
      cwd: root,
      env: { ...process.env, LOG_LEVEL: "warn", HERALD_DEV: "", ...env },
    });
    let stdout = "";
    let stderr = "";
    child.stdout.on("data", (d) => (stdout += d));
    child.stderr.on("data", (d) => (stderr += d));
    if (input !== undefined) child.stdin.end(input);
    child.on("exit", (code) => resolve({ code: code ?? 1, stdout, stderr }));
  });
}
