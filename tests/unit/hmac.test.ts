import { createHmac } from "node:crypto";
import { describe, expect, it } from "vitest";
import { hmacSha256 } from "../../server/lib/hmac";
import { signToken, verifyToken } from "../../server/tracking/tokens";

describe("hmacSha256: the signature on every tracking, unsubscribe and reply link", () => {
  it("is byte for byte Node's HMAC-SHA256, for short, block-sized and long keys and any message, again and again", () => {
    const keys = ["k", "test-secret-test-secret-test-secret-000", "x".repeat(64), "y".repeat(65), "ключ-🔑".repeat(20)];
    const messages = ["", "click:MS4yLmh0dHBzOi8vZXhhbXBsZS5jb20v", "reply:12.345", "ü€😀".repeat(50)];
    for (const key of keys) {
      for (const message of messages) {
        const expected = createHmac("sha256", key).update(message).digest("hex");
        expect(hmacSha256(key, message).toString("hex"), `${key.slice(0, 10)} / ${message.slice(0, 10)}`).toBe(expected);
        expect(hmacSha256(key, message).toString("hex")).toBe(expected); // the prepared key state is copied, never consumed
      }
    }
  });

  it("keeps links signed before it valid, and refuses them under another secret", () => {
    const secret = "test-secret-test-secret-test-secret-000";
    const payload = Buffer.from("u.7.4242").toString("base64url");
    const before = `${payload}.${createHmac("sha256", secret).update(payload).digest("base64url").slice(0, 22)}`;
    expect(signToken(secret, { purpose: "u", campaignId: 7, scheduledEmailId: 4242 })).toBe(before);
    expect(verifyToken(secret, before, "u")).toEqual({ purpose: "u", campaignId: 7, scheduledEmailId: 4242 });
    expect(verifyToken("another-secret-another-secret-another", before, "u")).toBeNull();
  });
});
