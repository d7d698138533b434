import { sql } from "drizzle-orm";
import { describe, expect, it } from "vitest";
import { getCampaign } from "../../server/campaigns/campaigns";
import { useTestDatabase } from "../helpers/db";
import { campaignFactory } from "../helpers/engine";
import { callerAs } from "../helpers/factories";

const t = useTestDatabase();

describe("test send", () => {
  it("sends every step to the signed-in editor, filled in for a lead of the audience, outside any run's counters", async () => {
    const c = await campaignFactory(t.services, { recipients: 2, steps: [{ delayMinutes: 0 }, { delayMinutes: 60 }] });
    const editor = await callerAs(t.services, "editor");
    const me = await editor.auth.me();
    const result = await editor.campaigns.testSend({ campaignId: c.id });
    expect(result).toMatchObject({ sent: 2, to: me.email, renderedFor: c.audience.emails[0] });
    const messages = await t.services.db.execute<{ to_address: string; subject: string }>(sql`select to_address, subject from outbox_messages where campaign_id = ${c.id} order by id`);
    expect(messages).toEqual([{ to_address: me.email, subject: "[Test step 1] Hello Name0" }, { to_address: me.email, subject: "[Test step 2] Hello Name0" }]);
    expect(await getCampaign(t.services.db, c.id)).toMatchObject({ status: "draft", sent: 0, lifetimeRuns: 0 });
    // Filled in for someone a run would mail: not the lead who unsubscribed.
    await t.services.db.execute(sql`insert into suppressions (email, reason) values (${c.audience.emails[0]!}, 'unsubscribed')`);
    expect(await editor.campaigns.testSend({ campaignId: c.id })).toMatchObject({ renderedFor: c.audience.emails[1] });
    const viewer = await callerAs(t.services, "viewer");
    await expect(viewer.campaigns.testSend({ campaignId: c.id })).rejects.toMatchObject({ code: "FORBIDDEN" });
  });
});
