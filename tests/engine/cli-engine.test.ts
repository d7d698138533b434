import { writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import path from "node:path";
import { sql } from "drizzle-orm";
import { describe, expect, it } from "vitest";
import { getCampaign } from "../../server/campaigns/campaigns";
import { transitionCampaign } from "../../server/campaigns/lifecycle";
import { herald } from "../helpers/cli";
import { useTestDatabase } from "../helpers/db";
import { campaignFactory } from "../helpers/engine";

const t = useTestDatabase();
const env = () => ({ DATABASE_URL: t.url, HERALD_SECRET: t.services.config.HERALD_SECRET! });

describe("herald import-leads", () => {
  it("imports a file, lists rejected rows by line, and exits 1 when any row was rejected", async () => {
    const file = path.join(tmpdir(), `leads-${process.pid}.csv`);
    writeFileSync(file, "email,first name,timezone\nann@example.com,Ann,Europe/Paris\nnope,Bad,\nbob@example.com,Bob,\n");
    const result = await herald(["import-leads", file, "--list", "CLI list"], env());
    expect(result.stdout).toContain('into list "CLI list": 2 new leads, 0 updated, 0 duplicates in the file, 1 rejected');
    expect(result.stderr).toContain('line 3: "nope" is not a valid email address');
    expect(result.code).toBe(1);
  });
});

describe("herald run", () => {
  it("--dry-run renders and counts what is due without sending or changing anything", async () => {
    const c = await campaignFactory(t.services, { recipients: 7 });
    const [campaign] = await t.services.db.execute<{ name: string }>(sql`select name from campaigns where id = ${c.id}`);
    const result = await herald(["run", "--campaign", campaign!.name, "--dry-run"], env());
    expect(result.code).toBe(0);
    expect(result.stdout).toContain("(a draft: it would be started): 7 emails are due now and would be sent.");
    expect(result.stdout).toMatch(/to lead-.*@example.com: "Hello Name0"/);
    expect(result.stdout).toContain("Nothing was sent or changed.");
    const after = await getCampaign(t.services.db, c.id);
    expect(after).toMatchObject({ status: "draft", lifetimeRuns: 0, currentRunId: null });
  });

  it("sends in the foreground with --limit, then finishes the run and prints a summary", async () => {
    const c = await campaignFactory(t.services, { recipients: 120 });
    const [campaign] = await t.services.db.execute<{ name: string }>(sql`select name from campaigns where id = ${c.id}`);
    const partial = await herald(["run", "--campaign", campaign!.name, "--limit", "50"], env());
    expect(partial.stdout).toContain("Started run 1");
    expect(partial.stdout).toContain("Sent 50, failed 0, skipped 0. Stopped at --limit 50.");
    expect(partial.stderr).toMatch(/Run 1 .*100% \(50\/50\)/);
    const rest = await herald(["run", "--campaign", campaign!.name], env());
    expect(rest.stdout).toContain("Sent 70, failed 0, skipped 0. The run is complete.");
    expect(rest.stdout).toContain("Run 1 totals: 120 sent, 0 failed of 120 scheduled.");
    expect((await getCampaign(t.services.db, c.id)).status).toBe("completed");
  });

  it("refuses a paused campaign and names an unknown one", async () => {
    const c = await campaignFactory(t.services, { recipients: 2 });
    await transitionCampaign(t.services.db, c.id, "start", { source: "app" });
    await transitionCampaign(t.services.db, c.id, "pause", { source: "app" });
    const [campaign] = await t.services.db.execute<{ name: string }>(sql`select name from campaigns where id = ${c.id}`);
    const paused = await herald(["run", "--campaign", campaign!.name], env());
    expect(paused.code).toBe(1);
    expect(paused.stderr).toContain("is paused: nothing to send. Resume it first.");
    const unknown = await herald(["run", "--campaign", "No such thing"], env());
    expect(unknown.code).toBe(1);
    expect(unknown.stderr).toContain('No campaign is named "No such thing"');
  });
});

describe("herald verify-counters", () => {
  it("exits 0 without drift, 1 with drift, and --fix repairs it", async () => {
    const ok = await herald(["verify-counters"], env());
    expect(ok.stdout).toContain("No drift");
    expect(ok.code).toBe(0);
    await t.services.db.execute(sql`update campaigns set sent = sent + 1 where id = (select min(id) from campaigns where sent > 0)`);
    const drift = await herald(["verify-counters"], env());
    expect(drift.code).toBe(1);
    expect(drift.stdout).toMatch(/\(lifetime\): sent is \d+, the log says \d+/);
    await herald(["verify-counters", "--fix"], env());
    expect((await herald(["verify-counters"], env())).code).toBe(0);
  });
});
