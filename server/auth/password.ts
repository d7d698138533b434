import { scrypt as scryptCb, timingSafeEqual } from "node:crypto";
import { promisify } from "node:util";
import { hash as argonHash, verify as argonVerify, type Options } from "@node-rs/argon2";

/**
 * argon2id at OWASP's first recommended setting (19 MiB, 2 passes, 1 lane):
 * about 50 ms a hash, so a burst of sign-ins cannot exhaust memory the way
 * scrypt at N=2^17 (128 MiB each) could. Older `scrypt$…` hashes still verify
 * and are replaced on the next successful sign-in (see needsRehash).
 */
// 2 is Algorithm.Argon2id (a const enum, which isolated modules cannot import).
const ARGON = { algorithm: 2 as Options["algorithm"], memoryCost: 19_456, timeCost: 2, parallelism: 1 };
const CURRENT_PREFIX = `$argon2id$v=19$m=${ARGON.memoryCost},t=${ARGON.timeCost},p=${ARGON.parallelism}$`;

export const PASSWORD_MIN = 10;
/** Longer passphrases add nothing and make hashing a cheap way to burn CPU. */
export const PASSWORD_MAX = 128;

export async function hashPassword(password: string): Promise<string> {
  return argonHash(password, ARGON);
}

const scrypt = promisify(scryptCb) as (password: string, salt: Buffer, keylen: number, options: object) => Promise<Buffer>;

export async function verifyPassword(password: string, stored: string): Promise<boolean> {
  if (password.length > PASSWORD_MAX * 4) return false;
  if (stored.startsWith("$argon2")) {
    try {
      return await argonVerify(stored, password);
    } catch {
      return false;
    }
  }
  // Hashes written before argon2id: `scrypt$N$r$p$salt$hash`.
  const [kind, n, r, p, salt, hash] = stored.split("$");
  if (kind !== "scrypt" || !salt || !hash) return false;
  const expected = Buffer.from(hash, "base64url");
  const actual = await scrypt(password, Buffer.from(salt, "base64url"), expected.length, {
    N: Number(n), r: Number(r), p: Number(p), maxmem: 256 * 1024 * 1024,
  });
  return actual.length === expected.length && timingSafeEqual(actual, expected);
}

/** True when a stored hash was made with weaker or other parameters than today's. */
export function needsRehash(stored: string): boolean {
  return !stored.startsWith(CURRENT_PREFIX);
}

/** The sentence a form shows, or null when the password is acceptable for this email. */
export function passwordProblem(password: string, email: string): string | null {
  if (password.length < PASSWORD_MIN) return `Passwords need at least ${PASSWORD_MIN} characters.`;
  if (password.length > PASSWORD_MAX) return `Passwords can have at most ${PASSWORD_MAX} characters.`;
  const local = email.trim().toLowerCase();
  if (password.trim().toLowerCase() === local || password.trim().toLowerCase() === local.split("@")[0]) {
    return "The password cannot be your email address.";
  }
  return null;
}
