import { sql } from "drizzle-orm";
import { describe, expect, it } from "vitest";
import { transitionCampaign } from "../../server/campaigns/lifecycle";
import { outboxTransport } from "../../server/sending/outbox-transport";
import { sendRun } from "../../server/sending/send-run";
import { useTestDatabase } from "../helpers/db";
import { campaignFactory, emailStatuses } from "../helpers/engine";

const t = useTestDatabase();

/**
 * A lane claims after the last email it claimed (ClaimCursor, decision 050).
 * Emails it passed because another transaction held them must still go before
 * the lane says the run is done.
 */
describe("a lane's claim cursor", () => {
  for (const [name, transport] of [["the outbox (one transaction a batch)", outboxTransport], ["a leasing transport (as Resend)", { ...outboxTransport, transactional: false }]] as const) {
    it(`${name}: emails held by another transaction when the lane went past them are sent before it completes the run`, async () => {
      const c = await campaignFactory(t.services, { recipients: 1_000 });
      const { runId } = await transitionCampaign(t.services.db, c.id, "start", { source: "app" });
      let release = () => {};
      const released = new Promise<void>((resolve) => (release = resolve));
      let locked!: () => void;
      const holding = new Promise<void>((resolve) => (locked = resolve));
      // The first 50 emails in claim order, locked by someone else (a batch of another worker that then rolls back).
      const holder = t.services.db.transaction(async (tx) => {
        await tx.execute(sql`select id from scheduled_emails where run_id = ${runId} order by scheduled_for, id limit 50 for update`);
        locked();
        await released;
      });
      await holding;
      let passed = 0;
      const lane = await sendRun(t.services, transport, c.id, runId!, {
        workerId: "cursor",
        onBatch: ({ sent }) => {
          // Well past the held emails: let them go.
          if (sent >= 300 && !passed) { passed = sent; release(); }
        },
      });
      await holder;
      expect(passed).toBeGreaterThanOrEqual(300);
      expect(lane).toMatchObject({ outcome: "completed", sent: 1_000 });
      expect(await emailStatuses(t.services, runId!)).toEqual({ sent: 1_000 });
      const [first] = await t.services.db.execute<{ n: number }>(sql`
        select count(*)::int as n from (select status from scheduled_emails where run_id = ${runId} order by scheduled_for, id limit 50) x where status = 'sent'`);
      expect(first!.n).toBe(50);
    });
  }
});
