import { sql } from "drizzle-orm";
import type { Services } from "../services";
import { NotFound, ValidationFailed } from "../errors";
import { mergeDataFor, renderTemplate } from "../templates/render";
import { mailableLead } from "../runs/audience";
import { mailbox } from "./compose";
import { createTransport } from "./transports";
import type { OutgoingEmail } from "./transport";

/**
 * Sends every step of a campaign to one address (the signed-in user), rendered
 * for a real lead of its audience, marked "[Test]". It is not part of any run:
 * no counters, no events, no tracking.
 */
export async function sendTest(services: Services, campaignId: number, to: string) {
  const { db } = services;
  const [campaign] = await db.execute<{ name: string; from_name: string; from_email: string; reply_to: string | null }>(sql`
    select name, from_name, from_email, reply_to from campaigns where id = ${campaignId}`);
  if (!campaign) throw new NotFound("That campaign does not exist.");
  const steps = await db.execute<{ step_number: number; channel: string; subject: string; html: string; text: string }>(sql`
    select s.step_number, s.channel, t.subject, t.html, t.text from sequence_steps s join templates t on t.id = s.template_id where s.campaign_id = ${campaignId} order by s.step_number`);
  if (!steps.length) throw new ValidationFailed("The campaign has no steps to test.");
  const [lead] = await db.execute<{ email: string; first_name: string | null; last_name: string | null; company: string | null; attributes: Record<string, string> }>(sql`
    select l.email, l.first_name, l.last_name, l.company, l.attributes from leads l
    join list_members m on m.lead_id = l.id join campaign_lists cl on cl.list_id = m.list_id and cl.campaign_id = ${campaignId}
    -- Someone a run would mail: an active lead whose address is not suppressed, when the audience has one.
    order by ${mailableLead} desc, l.id limit 1`);
  const data = lead ? mergeDataFor({ email: lead.email, firstName: lead.first_name, lastName: lead.last_name, company: lead.company, attributes: lead.attributes }) : { email: to };
  const from = mailbox(campaign.from_name, campaign.from_email);
  const stamp = -Date.now(); // test messages are not scheduled emails; negative ids keep them apart in the outbox
  const emails: OutgoingEmail[] = steps.map((s, i) => {
    const r = renderTemplate(s, data);
    if (s.channel === "sms") {
      // A text message step is tested by email: its text as the phone would show it (no number of the user's is known).
      const escaped = r.text.replace(/&/g, "&amp;").replace(/</g, "&lt;").replace(/>/g, "&gt;");
      return {
        campaignId, scheduledEmailId: stamp - i, to, from, replyTo: campaign.reply_to,
        subject: `[Test step ${s.step_number} · text message]`, html: `<pre style="white-space:pre-wrap;font-family:inherit">${escaped}</pre>`, text: r.text, headers: {}, tags: [{ name: "herald_test", value: String(campaignId) }],
      };
    }
    return {
      campaignId, scheduledEmailId: stamp - i, to, from, replyTo: campaign.reply_to,
      subject: `[Test${steps.length > 1 ? ` step ${s.step_number}` : ""}] ${r.subject}`, html: r.html, text: r.text, headers: {}, tags: [{ name: "herald_test", value: String(campaignId) }],
    };
  });
  const transport = createTransport(services.config);
  const results = await db.transaction((tx) => transport.send(emails, { idempotencyKey: `herald-test-${campaignId}${stamp}`, tx }));
  const failed = results.filter((r) => !r.ok);
  if (failed.length) throw new ValidationFailed(`The provider refused the test: ${failed.map((f) => (f.ok ? "" : f.error)).join("; ")}`);
  return { sent: emails.length, to, renderedFor: lead?.email ?? null };
}
