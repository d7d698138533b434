import { sql } from "drizzle-orm";
import { describe, expect, it } from "vitest";
import { transitionCampaign } from "../../server/campaigns/lifecycle";
import { useTestDatabase } from "../helpers/db";
import { campaignFactory, emailStatuses } from "../helpers/engine";
import { callerAs } from "../helpers/factories";

const t = useTestDatabase();

describe("the suppression list", () => {
  it("a manual suppression skips waiting emails at once and can be lifted; automatic ones cannot", async () => {
    const editor = await callerAs(t.services, "editor");
    const c = await campaignFactory(t.services, { recipients: 3, steps: [{ delayMinutes: 60 }] });
    const run = await transitionCampaign(t.services.db, c.id, "start", { source: "app" });
    const added = await editor.suppressions.add({ email: c.audience.emails[0]!.toUpperCase(), note: "asked by phone" });
    expect(added).toEqual({ alreadySuppressed: false, skipped: 1 });
    expect(await emailStatuses(t.services, run.runId!)).toEqual({ pending: 2, skipped: 1 });

    const list = await editor.suppressions.list({ search: c.audience.emails[0]!.slice(0, 12) });
    const manual = list.suppressions.find((s) => s.reason === "manual")!;
    expect(manual.note).toBe("asked by phone");
    await editor.suppressions.lift({ id: manual.id });

    await t.services.db.execute(sql`insert into suppressions (email, reason) values ('bounced@example.com', 'hard_bounce')`);
    const [bounced] = await t.services.db.execute<{ id: number }>(sql`select id from suppressions where email = 'bounced@example.com'`);
    await expect(editor.suppressions.lift({ id: bounced!.id })).rejects.toThrow(/because of hard bounce: only manual suppressions can be lifted/);
    const viewer = await callerAs(t.services, "viewer");
    await expect(viewer.suppressions.add({ email: "x@example.com" })).rejects.toMatchObject({ code: "FORBIDDEN" });
  });
});
