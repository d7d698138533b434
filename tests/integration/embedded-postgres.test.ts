import { spawn, spawnSync, type ChildProcess } from "node:child_process";
import { existsSync, mkdtempSync, readFileSync, realpathSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import path from "node:path";
import postgres from "postgres";
import { afterAll, describe, expect, it } from "vitest";
import { startEmbeddedPostgres, type EmbeddedDatabase } from "../../db/embedded";
import { isAlive } from "../../db/embedded-process";

/**
 * The embedded PostgreSQL that `npm start` runs, in a folder of its own
 * (as root this also exercises the `postgres` account and /var/lib/herald
 * placement, since a mkdtemp folder is mode 700).
 */
const root = path.resolve(import.meta.dirname, "../..");
const home = mkdtempSync(path.join(tmpdir(), "herald-embedded-"));
const dataDir = path.join(home, "pg");
const port = 55400 + Math.floor(Math.random() * 500);
const children: ChildProcess[] = [];

afterAll(async () => {
  for (const c of children) if (c.exitCode === null) c.kill("SIGKILL");
  const pid = postmasterPid();
  if (pid) process.kill(pid, "SIGINT");
  await until(() => !postmasterPid(), 30_000).catch(() => {});
  const real = existsSync(dataDir) ? realpathSync(dataDir) : null;
  rmSync(home, { recursive: true, force: true });
  if (real && real !== dataDir) rmSync(real, { recursive: true, force: true });
});

function postmasterPid(): number | null {
  try {
    const pid = Number(readFileSync(path.join(dataDir, "postmaster.pid"), "utf8").split("\n")[0]);
    process.kill(pid, 0);
    return pid;
  } catch {
    return null;
  }
}

async function until(check: () => boolean, ms: number) {
  for (const deadline = Date.now() + ms; !check(); ) {
    if (Date.now() > deadline) throw new Error("timed out");
    await new Promise((r) => setTimeout(r, 100));
  }
}

async function start(options: { fsync?: boolean } = {}) {
  const lines: string[] = [];
  const db = await startEmbeddedPostgres({ dataDir, preferredPort: port, database: "herald", log: (l) => lines.push(l), ...options });
  return { db, lines };
}

async function query<T>(db: EmbeddedDatabase, text: string): Promise<T> {
  const sql = postgres(db.url, { max: 1, onnotice: () => {} });
  try {
    return (await sql.unsafe(text))[0] as T;
  } finally {
    await sql.end({ timeout: 5 });
  }
}

/** `herald worker` on the embedded database of `home`, as a user would run it. */
function heraldWorker() {
  const env: NodeJS.ProcessEnv = { ...process.env, HERALD_DATA_DIR: home, HERALD_EMBEDDED_PG_PORT: String(port), LOG_LEVEL: "info", HERALD_DEMO_DATA: "0" };
  delete env.DATABASE_URL;
  const child = spawn(process.execPath, [path.join(root, "bin/herald.js"), "worker"], { cwd: root, env, stdio: ["ignore", "pipe", "pipe"] });
  children.push(child);
  let output = "";
  child.stdout!.on("data", (d) => (output += d));
  child.stderr!.on("data", (d) => (output += d));
  const exited = new Promise<number | null>((resolve) => child.once("exit", (code) => resolve(code)));
  return { child, output: () => output, exited, ready: () => until(() => output.includes("worker started"), 90_000) };
}

describe("the embedded PostgreSQL", { timeout: 180_000 }, () => {
  it("runs with fsync on unless a test or benchmark turns it off, and reuses its data", async () => {
    const first = await start();
    expect(first.lines.join("\n")).toContain("Creating the embedded PostgreSQL");
    expect(first.db.owned).toBe(true);
    expect(await query(first.db, "show fsync")).toEqual({ fsync: "on" });
    await query(first.db, "create table kept (id int); insert into kept values (42)");
    await first.db.stop();
    expect(postmasterPid()).toBeNull();

    const second = await start({ fsync: false });
    expect(await query(second.db, "show fsync")).toEqual({ fsync: "off" });
    expect(await query(second.db, "select id from kept")).toEqual({ id: 42 });
    await second.db.stop();
  });

  it("starts over a stale postmaster.pid, whether its process is gone or is something else, and says so", async () => {
    const pidFile = path.join(dataDir, "postmaster.pid");
    const gone = spawnSync(process.execPath, ["-e", "0"]).pid;
    // Both as a crash leaves them: the pid of a live, unrelated process (this test runner), then of a dead one.
    for (const [pid, why] of [[process.pid, "not this database's server"], [gone, `process ${gone} is gone`]] as const) {
      writeFileSync(pidFile, `${pid}\n${realpathSync(dataDir)}\n1700000000\n${port}\n\n127.0.0.1\n  1234   5678\nready\n`);
      const { db, lines } = await start();
      expect(lines.join("\n")).toContain(`Removed a stale ${pidFile} left over from a crash (`);
      expect(lines.join("\n")).toContain(why);
      expect(await query(db, "select 1 as ok")).toEqual({ ok: 1 });
      await db.stop();
    }
  });

  it("is borrowed while the Herald that started it runs, adopted after that Herald is killed -9, and stopped by its adopter", async () => {
    const worker = heraldWorker();
    await worker.ready();
    const serverPid = postmasterPid()!;
    expect(serverPid).toBeGreaterThan(0);

    const borrowed = await start();
    expect(borrowed.db.owned).toBe(false);
    await borrowed.db.stop();
    expect(postmasterPid()).toBe(serverPid); // a borrower leaves it to its owner

    worker.child.kill("SIGKILL");
    await worker.exited;
    expect(postmasterPid()).toBe(serverPid); // orphaned: still running

    const adopted = await start();
    expect(adopted.db.owned).toBe(true);
    expect(adopted.lines.join("\n")).toContain(`Adopting the embedded PostgreSQL (process ${serverPid})`);
    expect(postmasterPid()).toBe(serverPid); // the same server, not a second one
    await adopted.db.stop();
    expect(postmasterPid()).toBeNull();
  });

  it("stops when its terminal closes: SIGHUP shuts down the worker, then the database", async () => {
    const worker = heraldWorker();
    await worker.ready();
    const serverPid = postmasterPid()!;
    worker.child.kill("SIGHUP");
    expect(await worker.exited).toBe(0);
    expect(worker.output()).toContain("Stopping worker… reason=SIGHUP");
    expect(worker.output()).toContain("Embedded PostgreSQL stopped");
    // PostgreSQL removes its pid file just before it exits: allow it that moment.
    await until(() => !postmasterPid() && !isAlive(serverPid), 10_000);
  });
});
