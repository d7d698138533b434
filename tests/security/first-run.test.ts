import { describe, expect, it } from "vitest";
import { prepareFirstRun } from "../../cli/first-run";
import { login } from "../../server/auth/sessions";
import { listUsers } from "../../server/auth/users";
import { useTestDatabase } from "../helpers/db";

const external = useTestDatabase();
const embedded = useTestDatabase();

describe("no known password on a fresh install", () => {
  it("an external DATABASE_URL gets no account, only the command that makes the first admin", async () => {
    const lines = await prepareFirstRun({ services: external.services, config: external.services.config, embedded: false, databaseUrl: external.url, shutdown: async () => {} });
    expect(lines.join("\n")).toContain("npx herald user add --email you@example.com --role admin");
    expect(await listUsers(external.services.db)).toEqual([]);
    expect((await external.services.db.query.campaigns.findMany()).length).toBe(0); // no demo data unless asked
  });

  it("the embedded default gets demo data and an admin whose random password is printed once", async () => {
    const lines = await prepareFirstRun({ services: embedded.services, config: embedded.services.config, embedded: true, databaseUrl: embedded.url, shutdown: async () => {} });
    const password = / with the password (\S+)/.exec(lines.join("\n"))?.[1];
    expect(password).toBeTruthy();
    expect(password).not.toBe("herald-demo");
    expect((await login(embedded.services.db, "admin@herald.local", password!)).user.role).toBe("admin");
    await expect(login(embedded.services.db, "admin@herald.local", "herald-demo")).rejects.toThrow("do not match");
    expect((await embedded.services.db.query.campaigns.findMany()).length).toBeGreaterThan(0);
    // A second start prints nothing and creates nothing.
    expect(await prepareFirstRun({ services: embedded.services, config: embedded.services.config, embedded: true, databaseUrl: embedded.url, shutdown: async () => {} })).toEqual([]);
    expect((await listUsers(embedded.services.db)).length).toBe(1);
  });
});
