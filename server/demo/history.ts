import { sql } from "drizzle-orm";
import { createCampaign } from "../campaigns/campaigns";
import { transitionCampaign } from "../campaigns/lifecycle";
import { outboxTransport } from "../sending/outbox-transport";
import { sendRun } from "../sending/send-run";
import type { Services } from "../services";
import { recordHit } from "../tracking/hits";
import { CLICK_HOLD_MS, foldEvents } from "../tracking/fold";

// Every demo hit is in the log already: fold clicks as of the moment their burst window has passed.
const settled = () => new Date(Date.now() + CLICK_HOLD_MS);
import { markReplied } from "../tracking/replies";
import { suppressAddress } from "../tracking/suppress";
import { signToken } from "../tracking/tokens";
import { unsubscribe } from "../tracking/unsubscribe";

/**
 * History for a newcomer to look at (issue 16): a broadcast whose run 1
 * finished with opens, clicks, replies, a bounce and an unsubscribe, a run 2
 * to the people who did not open (to compare), and a sequence paused after
 * its first step. Everything goes through the real services (start, the
 * outbox transport, recorded hits, the fold), so the counters equal the event
 * log like any other data. Runs only on a demo install, after seedDemoData.
 */
export async function seedDemoHistory(services: Services): Promise<void> {
  const { db } = services;
  const [refs] = await db.execute<{ newsletter: number; partners: number; update: number; intro: number; follow: number }>(sql`
    select (select id from lists where name = 'Newsletter') as newsletter, (select id from lists where name = 'Design partners') as partners,
           (select id from templates where name = 'Product update') as update, (select id from templates where name = 'Intro') as intro,
           (select id from templates where name = 'Follow-up') as follow`);
  if (!refs?.newsletter || !refs.update) return;
  const from = { fromEmail: "hello@herald.local", fromName: "Herald Demo" };

  const october = await createCampaign(db, { name: "October newsletter", kind: "broadcast", ...from, listIds: [refs.newsletter], steps: [{ templateId: refs.update, delayMinutes: 0, stopOnReply: false }], throttlePerMinute: 100_000 });
  const run1 = await transitionCampaign(db, october.id, "start", { source: "app" });
  await sendRun(services, outboxTransport, october.id, run1.runId!, { workerId: "demo" });
  const emails = await db.execute<{ id: number; email: string }>(sql`
    select e.id, r.email from scheduled_emails e join run_recipients r on r.campaign_id = e.campaign_id and r.id = e.recipient_id
    where e.campaign_id = ${october.id} and e.run_id = ${run1.runId} and e.status = 'sent' order by e.id`);
  for (const [i, e] of emails.entries()) {
    if (i === emails.length - 1) {
      await recordHit(db, { campaignId: october.id, scheduledEmailId: e.id, type: "bounced", data: { bounceType: "hard" } });
      await suppressAddress(db, e.email, "hard_bounce", { campaignId: october.id });
      continue;
    }
    await recordHit(db, { campaignId: october.id, scheduledEmailId: e.id, type: "delivered" });
    if (i % 5 < 3) await recordHit(db, { campaignId: october.id, scheduledEmailId: e.id, type: "opened", userAgent: "Mozilla/5.0" });
    if (i % 5 === 0) await recordHit(db, { campaignId: october.id, scheduledEmailId: e.id, type: "clicked", data: { link: "https://herald.local/changelog" }, userAgent: "Mozilla/5.0" });
    if (i % 5 === 1 && i % 2 === 0) await recordHit(db, { campaignId: october.id, scheduledEmailId: e.id, type: "opened", machine: true, userAgent: "GoogleImageProxy" });
  }
  if (emails.length > 8) {
    await markReplied(db, october.id, emails[0]!.email, "demo");
    await markReplied(db, october.id, emails[5]!.email, "demo");
    await unsubscribe(db, services.secret, signToken(services.secret, { purpose: "u", campaignId: october.id, scheduledEmailId: emails[3]!.id }));
  }
  while ((await foldEvents(db, 5000, { now: settled() })) > 0);

  // Run 2: the people who did not open, to compare with run 1.
  const run2 = await transitionCampaign(db, october.id, "rerun", { source: "app", audience: "not_opened" }).catch(() => null);
  if (run2?.runId) {
    await sendRun(services, outboxTransport, october.id, run2.runId, { workerId: "demo" });
    while ((await foldEvents(db, 5000, { now: settled() })) > 0);
  }

  // A sequence paused after its first step.
  if (refs.partners && refs.intro && refs.follow) {
    const onboarding = await createCampaign(db, {
      name: "Partner onboarding", kind: "sequence", ...from, listIds: [refs.partners], throttlePerMinute: 100_000,
      steps: [{ templateId: refs.intro, delayMinutes: 0, stopOnReply: true }, { templateId: refs.follow, delayMinutes: 2 * 24 * 60, stopOnReply: true }],
    });
    const run = await transitionCampaign(db, onboarding.id, "start", { source: "app" });
    await sendRun(services, outboxTransport, onboarding.id, run.runId!, { workerId: "demo" });
    await transitionCampaign(db, onboarding.id, "pause", { source: "app" });
  }
}
