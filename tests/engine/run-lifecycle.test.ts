import { eq, sql } from "drizzle-orm";
import { describe, expect, it } from "vitest";
import { campaignRuns, campaigns, outboxMessages } from "../../db/schema";
import { getCampaign } from "../../server/campaigns/campaigns";
import { transitionCampaign } from "../../server/campaigns/lifecycle";
import { outboxTransport } from "../../server/sending/outbox-transport";
import { sendRun } from "../../server/sending/send-run";
import { useTestDatabase } from "../helpers/db";
import { campaignFactory, emailStatuses } from "../helpers/engine";

const t = useTestDatabase();
const send = (campaignId: number, runId: number, workerId = "test-worker") => sendRun(t.services, outboxTransport, campaignId, runId, { workerId });

describe("a broadcast through the outbox", () => {
  it("starting writes every email up front; sending delivers each once, completes the run and the campaign, and counts exactly", async () => {
    const c = await campaignFactory(t.services, { recipients: 250 });
    const run = await transitionCampaign(t.services.db, c.id, "start", { source: "app" });
    expect(run).toMatchObject({ runNumber: 1, recipients: 250, scheduled: 250 });
    expect(await emailStatuses(t.services, run.runId!)).toEqual({ pending: 250 });

    const result = await send(c.id, run.runId!);
    expect(result).toMatchObject({ outcome: "completed", sent: 250, failed: 0, batches: 3 });

    const messages = await t.services.db.select().from(outboxMessages).where(eq(outboxMessages.campaignId, c.id));
    expect(messages).toHaveLength(250);
    expect(new Set(messages.map((m) => m.toAddress)).size).toBe(250);
    const first = messages.find((m) => m.toAddress === c.audience.emails[0])!;
    expect(first.subject).toBe("Hello Name0");
    expect(first.html).toContain("Hi Name0 from Co0");
    expect(first.headers["List-Unsubscribe-Post"]).toBe("List-Unsubscribe=One-Click");
    expect(first.headers["List-Unsubscribe"]).toMatch(/^<http:\/\/localhost:3000\/u\/[\w-]+\.[\w-]+>$/);

    const campaign = await getCampaign(t.services.db, c.id);
    expect(campaign.status).toBe("completed");
    expect(campaign.currentRun).toMatchObject({ status: "COMPLETED", sent: 250, failed: 0, scheduledCount: 250, recipients: 250 });
    expect(campaign).toMatchObject({ sent: 250, lifetimeRuns: 1, recipients: 250, lastRunResult: "Run 1 completed: 250 sent, 0 failed, 0 opened" });
    const [events] = await t.services.db.execute<{ n: number }>(sql`select count(*)::int as n from email_events where campaign_id = ${c.id} and type = 'sent'`);
    expect(events!.n).toBe(250);
  });

  it("refuses illegal transitions with a sentence, from the one service every entry point uses", async () => {
    const c = await campaignFactory(t.services, { recipients: 3 });
    await expect(transitionCampaign(t.services.db, c.id, "resume", { source: "app" })).rejects.toThrow(/is draft: only a paused campaign can be resumed/);
    await expect(transitionCampaign(t.services.db, c.id, "rerun", { source: "cli" })).rejects.toThrow(/start it first/);
    const run = await transitionCampaign(t.services.db, c.id, "start", { source: "app" });
    await expect(transitionCampaign(t.services.db, c.id, "start", { source: "app" })).rejects.toThrow(/is running: only a draft campaign can be started/);
    await send(c.id, run.runId!);
    await expect(transitionCampaign(t.services.db, c.id, "resume", { source: "airtable" })).rejects.toThrow(/is completed: only a paused campaign can be resumed. Use Rerun to send it again/);
    await expect(transitionCampaign(t.services.db, c.id, "cancel", { source: "app" })).rejects.toThrow(/a completed campaign cannot be cancelled/);
    await transitionCampaign(t.services.db, c.id, "rerun", { source: "app" });
    await transitionCampaign(t.services.db, c.id, "cancel", { source: "app" });
    await expect(transitionCampaign(t.services.db, c.id, "start", { source: "app" })).rejects.toThrow(/is cancelled: only a draft campaign can be started. Use Rerun/);
  });

  it("a campaign whose audience is empty or fully suppressed does not start", async () => {
    const c = await campaignFactory(t.services, { recipients: 2 });
    await t.services.db.execute(sql`insert into suppressions (email, reason) select email, 'manual' from leads where email = any(${`{${c.audience.emails.join(",")}}`}::text[])`);
    await expect(transitionCampaign(t.services.db, c.id, "start", { source: "app" })).rejects.toThrow(/Nobody to send to/);
    const [campaign] = await t.services.db.select().from(campaigns).where(eq(campaigns.id, c.id));
    expect(campaign!.status).toBe("draft");
    const runs = await t.services.db.select().from(campaignRuns).where(eq(campaignRuns.campaignId, c.id));
    expect(runs).toHaveLength(0);
  });
});
