import { execFileSync } from "node:child_process";
import { existsSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import path from "node:path";
/** Something about the embedded PostgreSQL the user must act on, said in a sentence (the CLI prints the message only). */
export class EmbeddedDatabaseError extends Error {
  override name = "EmbeddedDatabaseError";
}

/** Linux's process start time (clock ticks since boot): tells a live process from a later one that reused its pid. */
function startTime(pid: number): string | null {
  try {
    const stat = readFileSync(`/proc/${pid}/stat`, "utf8");
    return stat.slice(stat.lastIndexOf(")") + 2).split(" ")[19] ?? null;
  } catch {
    return null;
  }
}

export function isAlive(pid: number): boolean {
  try {
    process.kill(pid, 0);
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code !== "EPERM") return false; // EPERM: alive, another user's
  }
  try {
    // A zombie (exited, not yet reaped by its new parent) is not a server.
    const stat = readFileSync(`/proc/${pid}/stat`, "utf8");
    return stat[stat.lastIndexOf(")") + 2] !== "Z";
  } catch {
    return true;
  }
}

/** Whether a process is a PostgreSQL server for one of these folders (null: this system does not say). */
function servesFolder(pid: number, folders: string[]): boolean | null {
  try {
    const args = readFileSync(`/proc/${pid}/cmdline`, "utf8").split("\0");
    return /postgres/.test(path.basename(args[0] ?? "")) && args.some((a, i) => args[i - 1] === "-D" && folders.includes(a));
  } catch {
    try {
      const command = `${execFileSync("ps", ["-o", "command=", "-p", String(pid)], { encoding: "utf8", stdio: ["ignore", "pipe", "ignore"] }).trim()} `;
      return /postgres/.test(command) && folders.some((f) => command.includes(` ${f} `));
    } catch {
      return null;
    }
  }
}

/**
 * The postmaster running this data folder, from its postmaster.pid. A pid
 * file left by a crash is removed with a sentence in the log when the
 * process it names is gone or is not this folder's server (its pid reused by
 * something else); PostgreSQL itself would refuse to start on the second.
 */
export function runningPostmaster(dataDir: string, shownDir: string, log: (line: string) => void): { pid: number; port: number } | null {
  const pidFile = path.join(dataDir, "postmaster.pid");
  if (!existsSync(pidFile)) return null;
  const lines = readFileSync(pidFile, "utf8").split("\n");
  const pid = Number(lines[0]);
  const port = Number(lines[3]);
  const stale = (why: string) => {
    rmSync(pidFile, { force: true });
    log(`Removed a stale ${path.join(shownDir, "postmaster.pid")} left over from a crash (${why}); PostgreSQL recovers its data on start`);
    return null;
  };
  if (!Number.isInteger(pid) || pid <= 0) return stale("it names no process");
  if (!isAlive(pid)) return stale(`process ${pid} is gone`);
  const ours = servesFolder(pid, [dataDir, path.resolve(shownDir)]);
  if (ours === null) {
    throw new EmbeddedDatabaseError(`${pidFile} says process ${pid} runs the embedded PostgreSQL, and Herald cannot check that on this system. If no PostgreSQL runs from ${shownDir}, delete that file and start again.`);
  }
  if (!ours) return stale(`process ${pid} is running, but it is not this database's server: its number was reused`);
  if (!port) throw new EmbeddedDatabaseError(`The embedded PostgreSQL in ${shownDir} (process ${pid}) is still starting or stopping; try again in a few seconds.`);
  return { pid, port };
}

/**
 * Who started the server: `<data folder>.owner` names the Herald process
 * that stops it on exit. A server whose owner is gone (kill -9, a crash) is
 * an orphan the next Herald adopts; one whose owner lives is only borrowed.
 */
export function ownerFile(shownDir: string) {
  const file = `${shownDir}.owner`;
  return {
    claim() {
      writeFileSync(file, JSON.stringify({ pid: process.pid, started: startTime(process.pid) }));
    },
    /** The live Herald process that owns the server, if any. */
    liveOwner(): number | null {
      try {
        const { pid, started } = JSON.parse(readFileSync(file, "utf8")) as { pid: number; started: string | null };
        if (pid === process.pid || !isAlive(pid)) return null;
        return started && startTime(pid) && startTime(pid) !== started ? null : pid;
      } catch {
        return null;
      }
    },
    release() {
      try {
        const { pid } = JSON.parse(readFileSync(file, "utf8")) as { pid: number };
        if (pid === process.pid) rmSync(file, { force: true });
      } catch {
        // no owner file: nothing to release
      }
    },
  };
}

/** Fast shutdown (SIGINT: open transactions roll back, then a clean exit); resolves once the process is gone. */
export async function stopPostmaster(pid: number, timeoutMs = 30_000): Promise<boolean> {
  try {
    process.kill(pid, "SIGINT");
  } catch {
    return true;
  }
  for (const deadline = Date.now() + timeoutMs; Date.now() < deadline; ) {
    if (!isAlive(pid)) return true;
    await new Promise((r) => setTimeout(r, 100));
  }
  return !isAlive(pid);
}
