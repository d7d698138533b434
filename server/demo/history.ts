import { sql } from "drizzle-orm";
import { createCampaign } from "../campaigns/campaigns";
import { transitionCampaign } from "../campaigns/lifecycle";
import { outboxTransport } from "../sending/outbox-transport";
import { sendRun } from "../sending/send-run";
import type { Services } from "../services";
import { recordHit } from "../tracking/hits";
import { CLICK_HOLD_MS, foldEvents } from "../tracking/fold";
import { markReplied } from "../tracking/replies";
import { suppressAddress } from "../tracking/suppress";
import { signToken } from "../tracking/tokens";
import { unsubscribe } from "../tracking/unsubscribe";
import { ageHistory } from "./age";

/**
 * History for a newcomer to look at (issue 16), spread over the past weeks:
 * a broadcast whose run 1 went out 24 days ago and drew opens and clicks
 * over the following days, two replies, a hard bounce and an unsubscribe; a
 * run 2 to the people who did not open, a week later, to compare; and a
 * sequence that sent its first step 6 days ago and was paused the next day.
 *
 * Each moment is recorded through the real services (start, the outbox
 * transport, recorded hits, replies, the unsubscribe link, the fold) at the
 * real time, so the counters equal the event log like any other data; then
 * everything recorded so far is aged by whole days to the next moment
 * (ageHistory), so each moment ends up as many days ago as it says.
 * Runs only on a demo install, after seedDemoData.
 */
export async function seedDemoHistory(services: Services): Promise<void> {
  const { db } = services;
  const [refs] = await db.execute<{ newsletter: number; partners: number; update: number; intro: number; follow: number }>(sql`
    select (select id from lists where name = 'Newsletter') as newsletter, (select id from lists where name = 'Design partners') as partners,
           (select id from templates where name = 'Product update') as update, (select id from templates where name = 'Intro') as intro,
           (select id from templates where name = 'Follow-up') as follow`);
  if (!refs?.newsletter || !refs.update) return;
  const from = { fromEmail: "hello@herald.local", fromName: "Herald Demo" };
  const withHistory: number[] = [];
  // Every demo hit is in the log already: fold clicks as of the moment their burst window has passed.
  const fold = async () => {
    while ((await foldEvents(db, 5000, { now: new Date(Date.now() + CLICK_HOLD_MS) })) > 0);
  };
  const sent = (campaignId: number, runId: number) => db.execute<{ id: number; email: string }>(sql`
    select e.id, r.email from scheduled_emails e join run_recipients r on r.campaign_id = e.campaign_id and r.id = e.recipient_id
    where e.campaign_id = ${campaignId} and e.run_id = ${runId} and e.status = 'sent' order by e.id`);
  const person = { userAgent: "Mozilla/5.0 (Macintosh; Intel Mac OS X 10_15_7) AppleWebKit/605.1.15 (KHTML, like Gecko) Version/17.0 Safari/605.1.15" };
  const open = (campaignId: number, id: number) => recordHit(db, { campaignId, scheduledEmailId: id, type: "opened", ...person });
  const click = (campaignId: number, id: number, link: string) => recordHit(db, { campaignId, scheduledEmailId: id, type: "clicked", data: { link }, ...person });

  let october: { id: number } | null = null;
  let run1: Array<{ id: number; email: string }> = [];
  let run2: Array<{ id: number; email: string }> = [];
  let onboarding: { id: number } | null = null;
  const half = () => Math.floor(run1.length / 2);

  /** Moments, oldest first, each at its age in days. */
  const moments: Array<{ age: number; act: () => Promise<void> }> = [
    { age: 24, act: async () => {
      // Run 1 goes out; it is delivered, one address bounces hard, and the first readers open and click.
      october = await createCampaign(db, { name: "October newsletter", kind: "broadcast", ...from, listIds: [refs.newsletter], steps: [{ templateId: refs.update, delayMinutes: 0, stopOnReply: false }], throttlePerMinute: 100_000 });
      withHistory.push(october.id);
      const run = await transitionCampaign(db, october.id, "start", { source: "app" });
      await sendRun(services, outboxTransport, october.id, run.runId!, { workerId: "demo" });
      run1 = [...(await sent(october.id, run.runId!))];
      for (const [i, e] of run1.entries()) {
        if (i === run1.length - 1) {
          await recordHit(db, { campaignId: october.id, scheduledEmailId: e.id, type: "bounced", data: { bounceType: "hard" } });
          await suppressAddress(db, e.email, "hard_bounce", { campaignId: october.id });
          continue;
        }
        await recordHit(db, { campaignId: october.id, scheduledEmailId: e.id, type: "delivered" });
        if (i % 5 === 1 && i % 2 === 0) await recordHit(db, { campaignId: october.id, scheduledEmailId: e.id, type: "opened", machine: true, userAgent: "Mozilla/5.0 (Windows NT 5.1; rv:11.0) Gecko Firefox/11.0 (via ggpht.com GoogleImageProxy)" });
        if (i < half() && i % 5 < 3) await open(october.id, e.id);
        if (i < half() && i % 5 === 0) await click(october.id, e.id, "https://herald.local/changelog");
      }
      await fold();
    } },
    { age: 23, act: async () => {
      // The rest of the openers read it the next day; one reader unsubscribes.
      for (const [i, e] of run1.entries()) if (i >= half() && i < run1.length - 1 && i % 5 < 3) await open(october!.id, e.id);
      if (run1.length > 8) await unsubscribe(db, services.secret, signToken(services.secret, { purpose: "u", campaignId: october!.id, scheduledEmailId: run1[3]!.id }));
      await fold();
    } },
    { age: 22, act: async () => {
      for (const [i, e] of run1.entries()) if (i >= half() && i < run1.length - 1 && i % 5 === 0) await click(october!.id, e.id, "https://herald.local/changelog");
      if (run1.length > 8) await markReplied(db, october!.id, run1[0]!.email, "demo");
      await fold();
    } },
    { age: 20, act: async () => {
      // A late reader comes back to the changelog, and a second person replies.
      if (run1.length > 8) {
        await click(october!.id, run1[10]!.id, "https://herald.local/docs");
        await markReplied(db, october!.id, run1[5]!.email, "demo");
      }
      await fold();
    } },
    { age: 17, act: async () => {
      // Run 2: the people who did not open, to compare with run 1.
      const rerun = await transitionCampaign(db, october!.id, "rerun", { source: "app", audience: "not_opened" }).catch(() => null);
      if (!rerun?.runId) return;
      await sendRun(services, outboxTransport, october!.id, rerun.runId, { workerId: "demo" });
      run2 = [...(await sent(october!.id, rerun.runId))];
      for (const [i, e] of run2.entries()) {
        await recordHit(db, { campaignId: october!.id, scheduledEmailId: e.id, type: "delivered" });
        if (i % 4 === 0) await open(october!.id, e.id);
      }
      await fold();
    } },
    { age: 16, act: async () => {
      for (const [i, e] of run2.entries()) if (i % 4 === 2) await open(october!.id, e.id);
      if (run2[0]) await click(october!.id, run2[0].id, "https://herald.local/changelog");
      await fold();
    } },
    { age: 6, act: async () => {
      // A sequence: its first step goes out and is read.
      if (!refs.partners || !refs.intro || !refs.follow) return;
      onboarding = await createCampaign(db, {
        name: "Partner onboarding", kind: "sequence", ...from, listIds: [refs.partners], throttlePerMinute: 100_000,
        steps: [{ templateId: refs.intro, delayMinutes: 0, stopOnReply: true }, { templateId: refs.follow, delayMinutes: 2 * 24 * 60, stopOnReply: true }],
      });
      withHistory.push(onboarding.id);
      const run = await transitionCampaign(db, onboarding.id, "start", { source: "app" });
      await sendRun(services, outboxTransport, onboarding.id, run.runId!, { workerId: "demo" });
      for (const [i, e] of (await sent(onboarding.id, run.runId!)).entries()) {
        await recordHit(db, { campaignId: onboarding.id, scheduledEmailId: e.id, type: "delivered" });
        if (i % 3 === 0) await open(onboarding.id, e.id);
      }
      await fold();
    } },
    { age: 5, act: async () => {
      // One partner replies (their follow-up will not go), and the sequence is paused before step 2 is due.
      if (!onboarding) return;
      const [first] = await db.execute<{ email: string }>(sql`select email from run_recipients where campaign_id = ${onboarding.id} order by lead_id limit 1`);
      if (first) await markReplied(db, onboarding.id, first.email, "demo");
      await transitionCampaign(db, onboarding.id, "pause", { source: "app" });
    } },
  ];
  for (const [i, moment] of moments.entries()) {
    await moment.act();
    await ageHistory(db, withHistory, moment.age - (moments[i + 1]?.age ?? 0));
  }
  // The leads, lists, templates and sender those emails came from existed before them.
  await db.execute(sql`
    with demo_lists as (update lists set created_at = created_at - interval '30 days', updated_at = updated_at - interval '30 days' where id in (${refs.newsletter}, ${refs.partners ?? 0}) returning id),
    members as (update list_members set created_at = created_at - interval '30 days' where list_id in (select id from demo_lists) returning lead_id),
    demo_leads as (update leads set created_at = created_at - interval '30 days', updated_at = updated_at - interval '30 days' where id in (select lead_id from members) returning 1),
    demo_templates as (update templates set created_at = created_at - interval '30 days', updated_at = updated_at - interval '30 days' where id in (${refs.update}, ${refs.intro ?? 0}, ${refs.follow ?? 0}) returning 1)
    update sender_identities set created_at = created_at - interval '30 days', updated_at = updated_at - interval '30 days' where from_email = ${from.fromEmail}`);
}
