import { sql } from "drizzle-orm";
import { afterEach, beforeAll, describe, expect, it, vi } from "vitest";
import { transitionCampaign } from "../../server/campaigns/lifecycle";
import { outboxTransport } from "../../server/sending/outbox-transport";
import { sendRun } from "../../server/sending/send-run";
import { useTestDatabase } from "../helpers/db";
import { campaignFactory } from "../helpers/engine";
import { callerAs } from "../helpers/factories";

const t = useTestDatabase();
let viewer: Awaited<ReturnType<typeof callerAs>>;
beforeAll(async () => {
  viewer = await callerAs(t.services, "viewer");
});
afterEach(() => vi.useRealTimers());

/** A two-step run of `n` recipients, `sent` of whom got step 1; 2 of those replied, 1 bounced. */
async function run(n: number, sent: number) {
  const c = await campaignFactory(t.services, { recipients: n, steps: [{ delayMinutes: 0 }, { delayMinutes: 3 * 1440 }] });
  const { runId } = await transitionCampaign(t.services.db, c.id, "start", { source: "app" });
  await sendRun(t.services, outboxTransport, c.id, runId!, { workerId: "counts", limit: sent });
  const byLead = await t.services.db.execute<{ id: number }>(sql`select id from run_recipients where campaign_id = ${c.id} and status = 'sent' order by lead_id`);
  const [a, b, d] = byLead.map((r) => Number(r.id));
  await t.services.db.execute(sql`update run_recipients set replied_at = now() where campaign_id = ${c.id} and id in (${a}, ${b})`);
  await t.services.db.execute(sql`update run_recipients set bounced_at = now(), status = 'bounced' where campaign_id = ${c.id} and id = ${d}`);
  return { c, runId: runId! };
}

describe("a run's recipient list: pages, filters and their counts", () => {
  it("counts every status and filter, pages in the order the leads were added, and a search counts its own matches", async () => {
    const { c } = await run(30, 12);
    const all = await viewer.campaigns.recipients({ campaignId: c.id, runNumber: 1, pageSize: 10 });
    expect(all.byStatus).toEqual({ pending: 18, sent: 11, bounced: 1 });
    expect(all.byEngagement).toMatchObject({ replied: 2, bounced: 1, not_human_opened: 12 });
    expect(all.total).toBe(30);
    const leadOrder = (await t.services.db.execute<{ email: string }>(sql`select email from run_recipients where campaign_id = ${c.id} order by lead_id`)).map((r) => r.email);
    expect(all.recipients.map((r) => r.email)).toEqual(leadOrder.slice(0, 10));
    const third = await viewer.campaigns.recipients({ campaignId: c.id, runNumber: 1, pageSize: 10, page: 3 });
    expect(third.recipients.map((r) => r.email)).toEqual(leadOrder.slice(20, 30));

    expect((await viewer.campaigns.recipients({ campaignId: c.id, runNumber: 1, status: "pending" })).total).toBe(18);
    expect((await viewer.campaigns.recipients({ campaignId: c.id, runNumber: 1, engagement: "not_human_opened" })).total).toBe(12);
    const both = await viewer.campaigns.recipients({ campaignId: c.id, runNumber: 1, status: "sent", engagement: "not_human_opened" });
    expect({ total: both.total, shown: both.recipients.length }).toEqual({ total: 11, shown: 11 });
    expect((await viewer.campaigns.recipients({ campaignId: c.id, runNumber: 1, status: "sent", engagement: "replied" })).total).toBe(2);
    expect((await viewer.campaigns.recipients({ campaignId: c.id, runNumber: 1, status: "failed", engagement: "replied" })).total).toBe(0);

    const one = leadOrder[7]!;
    const search = await viewer.campaigns.recipients({ campaignId: c.id, runNumber: 1, search: one });
    expect({ total: search.total, emails: search.recipients.map((r) => r.email) }).toEqual({ total: 1, emails: [one] });
    const domain = one.split("@")[1]!;
    const wide = await viewer.campaigns.recipients({ campaignId: c.id, runNumber: 1, search: domain, status: "pending", pageSize: 5, page: 2 });
    expect({ total: wide.total, shown: wide.recipients.length }).toEqual({ total: 18, shown: 5 });
    const pastTheEnd = await viewer.campaigns.recipients({ campaignId: c.id, runNumber: 1, search: domain, page: 9 });
    expect({ total: pastTheEnd.total, shown: pastTheEnd.recipients.length }).toEqual({ total: 30, shown: 0 });
    expect((await viewer.campaigns.recipients({ campaignId: c.id, runNumber: 1, search: "nobody-like-this" })).total).toBe(0);
  });

  it("a large run's counts are made once per 15 s and shared by its run page and campaign page; a small run's are live", async () => {
    const { c } = await run(20, 5);
    const counts = async () => {
      const page = await viewer.campaigns.recipients({ campaignId: c.id, runNumber: 1 });
      const timeline = await viewer.campaigns.runTimeline({ campaignId: c.id, runNumber: 1, recipientIds: [] });
      const steps = await viewer.campaigns.stepProgress({ campaignId: c.id });
      return { pending: page.byStatus.pending, total: page.total, emailsPending: timeline.emails.pending, step1Waiting: steps[0]!.waiting };
    };
    const fail = (n: number) => t.services.db.execute(sql`with e as (select id, recipient_id from scheduled_emails where campaign_id = ${c.id} and step_number = 1 and status = 'pending' order by id limit ${n})
      , f as (update scheduled_emails s set status = 'failed' from e where s.campaign_id = ${c.id} and s.id = e.id)
      update run_recipients r set status = 'failed' from e where r.campaign_id = ${c.id} and r.id = e.recipient_id`);

    expect(await counts()).toEqual({ pending: 15, total: 20, emailsPending: 35, step1Waiting: 15 });
    await fail(1);
    expect(await counts()).toEqual({ pending: 14, total: 20, emailsPending: 34, step1Waiting: 14 }); // small: live

    // The same run, as large as the page's sharing threshold counts it (its counters say so).
    await t.services.db.execute(sql`update campaign_runs set recipients = 60000, scheduled_count = 120000 where campaign_id = ${c.id}`);
    vi.useFakeTimers({ toFake: ["Date"] });
    vi.setSystemTime(Date.now());
    expect(await counts()).toEqual({ pending: 14, total: 20, emailsPending: 34, step1Waiting: 14 });
    await fail(2);
    vi.setSystemTime(Date.now() + 14_000);
    expect(await counts()).toEqual({ pending: 14, total: 20, emailsPending: 34, step1Waiting: 14 }); // shared, up to 15 s old
    vi.setSystemTime(Date.now() + 2_000);
    expect(await counts()).toEqual({ pending: 12, total: 20, emailsPending: 32, step1Waiting: 12 });
  });
});
