import { timingSafeEqual } from "node:crypto";
import { hmacSha256 } from "../lib/hmac";

/**
 * Signed references to one scheduled email, for links in messages: open
 * pixel (o), click (c, with the link's index in the message), unsubscribe (u).
 * Format: base64url("purpose.campaignId.scheduledEmailId[.extra]") + "." + HMAC.
 * A token proves Herald issued it; the server still looks the email up.
 */
export type TokenPurpose = "o" | "c" | "u";

export interface TokenClaims {
  purpose: TokenPurpose;
  campaignId: number;
  scheduledEmailId: number;
  extra?: number;
}

const mac = (secret: string, payload: string) => hmacSha256(secret, payload).toString("base64url").slice(0, 22);

export function signToken(secret: string, claims: TokenClaims): string {
  const parts = [claims.purpose, claims.campaignId, claims.scheduledEmailId, ...(claims.extra !== undefined ? [claims.extra] : [])];
  const payload = Buffer.from(parts.join(".")).toString("base64url");
  return `${payload}.${mac(secret, payload)}`;
}

/** The claims of a genuine token for this purpose, or null for anything forged, tampered or malformed. */
export function verifyToken(secret: string, token: string, purpose: TokenPurpose): TokenClaims | null {
  if (token.length > 200) return null;
  const [payload, signature, ...rest] = token.split(".");
  if (!payload || !signature || rest.length) return null;
  const expected = Buffer.from(mac(secret, payload));
  const given = Buffer.from(signature);
  if (expected.length !== given.length || !timingSafeEqual(expected, given)) return null;
  const [p, campaignId, scheduledEmailId, extra, ...more] = Buffer.from(payload, "base64url").toString().split(".");
  if (p !== purpose || more.length) return null;
  const numbers = [campaignId, scheduledEmailId, extra].filter((v) => v !== undefined).map(Number);
  if (numbers.some((n) => !Number.isSafeInteger(n) || n < 0)) return null;
  return { purpose, campaignId: numbers[0]!, scheduledEmailId: numbers[1]!, ...(extra !== undefined ? { extra: numbers[2]! } : {}) };
}
