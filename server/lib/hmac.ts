import { createHash, type Hash } from "node:crypto";

const prepared = new Map<string, { inner: Hash; outer: Hash }>();

/**
 * HMAC-SHA256 (RFC 2104), the same bytes as `createHmac("sha256", key)`, with
 * the key's two padded blocks hashed once per key: each MAC then copies two
 * prepared hash states instead of setting the key up again, about half the
 * cost. Sending signs three or four links in every email (tracking/).
 */
export function hmacSha256(key: string, message: string): Buffer {
  let state = prepared.get(key);
  if (!state) {
    let block = Buffer.from(key, "utf8");
    if (block.length > 64) block = createHash("sha256").update(block).digest();
    const inner = Buffer.alloc(64, 0x36);
    const outer = Buffer.alloc(64, 0x5c);
    for (let i = 0; i < block.length; i++) {
      inner[i]! ^= block[i]!;
      outer[i]! ^= block[i]!;
    }
    state = { inner: createHash("sha256").update(inner), outer: createHash("sha256").update(outer) };
    // A process signs with one secret (two while rotating); the bound only keeps odd callers from growing it.
    if (prepared.size < 8) prepared.set(key, state);
  }
  return state.outer.copy().update(state.inner.copy().update(message, "utf8").digest()).digest();
}
