import { sql } from "drizzle-orm";
import { afterEach, describe, expect, it, vi } from "vitest";
import { createLogger } from "../../server/lib/log";
import { useTestDatabase } from "../helpers/db";

const t = useTestDatabase();
afterEach(() => vi.restoreAllMocks());

/** What a real logger writes to stderr while `fn` runs. */
function stderrOf(fn: () => void): string {
  const written: string[] = [];
  vi.spyOn(process.stderr, "write").mockImplementation((chunk: string | Uint8Array) => {
    written.push(String(chunk));
    return true;
  });
  fn();
  vi.restoreAllMocks();
  return written.join("");
}

describe("the log", () => {
  it("keeps a failed query's statement but not its parameters (a lead's address, a password hash), in the message and the stack; secret-named fields are masked", async () => {
    const failure = await t.services.db.execute(sql`select ${"ada@example.com"}::int as n, ${"$argon2id$v=19$m=19456$hash"}::text as h`).catch((error: Error) => error);
    expect(failure).toBeInstanceOf(Error);
    const error = failure as Error;
    expect(`${error.message}${error.stack}`).toContain("ada@example.com"); // what drizzle puts in a failed query's error
    const out = stderrOf(() => createLogger("info").error("unexpected error (ref ABC123)", { error: error.message, stack: error.stack, cause: error, apiKey: "re_live_123" }));
    expect(out).toContain("unexpected error (ref ABC123)");
    expect(out).toMatch(/select \$1::int/);
    expect(out).toContain("params: [redacted]");
    expect(out).toMatch(/\n\s+at /); // the stack's frames stay
    expect(out).not.toMatch(/ada@example\.com|argon2id|re_live_123/);
  });
});
