import { describe, expect, it } from "vitest";
import { login } from "../../server/auth/sessions";
import { useTestDatabase } from "../helpers/db";
import { herald } from "../helpers/cli";

const t = useTestDatabase();

describe("the herald command", () => {
  it("lists its commands and explains each one with --help", async () => {
    const overview = await herald(["--help"]);
    expect(overview.code).toBe(0);
    for (const name of ["start", "migrate", "worker", "user add"]) expect(overview.stdout).toContain(name);
    const help = await herald(["user", "add", "--help"]);
    expect(help.code).toBe(0);
    expect(help.stdout).toContain("Usage: herald user add --email EMAIL --role admin|editor|viewer");
  });

  it("user add creates an account that can sign in", async () => {
    const result = await herald(["user", "add", "--email", "ops@example.com", "--role", "editor", "--password", "a long password"], { DATABASE_URL: t.url });
    expect(result.stderr).toBe("");
    expect(result.stdout).toContain("Created editor ops@example.com");
    const session = await login(t.services.db, "ops@example.com", "a long password");
    expect(session.user.role).toBe("editor");
  });

  it("refuses a bad role or a duplicate with a clear message and a failing exit code", async () => {
    const badRole = await herald(["user", "add", "--email", "x@example.com", "--role", "owner", "--password", "a long password"], { DATABASE_URL: t.url });
    expect(badRole.code).toBe(2);
    expect(badRole.stderr).toContain("--role must be one of admin, editor, viewer");
    await herald(["user", "add", "--email", "dup@example.com", "--role", "viewer", "--password", "a long password"], { DATABASE_URL: t.url });
    const duplicate = await herald(["user", "add", "--email", "DUP@example.com", "--role", "viewer", "--password", "a long password"], { DATABASE_URL: t.url });
    expect(duplicate.code).toBe(1);
    expect(duplicate.stderr).toContain("already exists");
  });

  it("stops on a bad configuration value and names the variable", async () => {
    const result = await herald(["migrate"], { DATABASE_URL: t.url, PORT: "not-a-port" });
    expect(result.code).toBe(1);
    expect(result.stderr).toContain("PORT");
  });
});
