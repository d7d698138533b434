import { describe, expect, it } from "vitest";
import { ConfigError, loadConfig } from "../../server/config";

describe("configuration", () => {
  it("starts with nothing set: embedded database, outbox transport, sync off", () => {
    const config = loadConfig({});
    expect(config.DATABASE_URL).toBeUndefined();
    expect(config.transport).toBe("outbox");
    expect(config.airtable).toBe("off");
    expect(config.PORT).toBe(3000);
    expect(config.publicUrl).toBe("http://localhost:3000");
  });

  it("a bad value stops start-up with a message naming the variable", () => {
    expect(() => loadConfig({ PORT: "eighty" })).toThrowError(ConfigError);
    try {
      loadConfig({ PORT: "eighty", RESEND_RPS: "-1" });
    } catch (error) {
      expect((error as Error).message).toMatch(/PORT/);
      expect((error as Error).message).toMatch(/RESEND_RPS/);
    }
  });

  it("never echoes a secret's value in the error", () => {
    try {
      loadConfig({ HERALD_SECRET: "short-but-secret" });
      expect.unreachable();
    } catch (error) {
      expect((error as Error).message).toMatch(/HERALD_SECRET: must be at least 32 characters/);
      expect((error as Error).message).not.toContain("short-but-secret");
    }
  });

  it("switches to Resend and Airtable when their credentials are present", () => {
    const config = loadConfig({ RESEND_API_KEY: "re_123", AIRTABLE_TOKEN: "pat123", PORT: "8080" });
    expect(config.transport).toBe("resend");
    expect(config.airtable).toBe("on");
    expect(config.publicUrl).toBe("http://localhost:8080");
  });
});
