import { eq, sql } from "drizzle-orm";
import type { Executor } from "../../db/client";
import { campaigns } from "../../db/schema";
import { NotFound } from "../errors";
import { startRefusal } from "./lifecycle";
import { AUDIENCE_LABELS, audienceCondition, mailableLead, type RunAudience } from "../runs/audience";
import { messageWords } from "../runs/summary";

const STANDARD = new Set(["email", "first_name", "last_name", "company"]);
const TAG = /\{\{\s*([a-zA-Z0-9_.-]+)\s*(\|[^}]*)?\}\}/g;

export interface Preflight {
  audience: RunAudience;
  audienceLabel: string;
  /** People the run will be written for: exactly what Start or Rerun creates now. */
  recipients: number;
  steps: number;
  /** Of those steps, text messages (SMS). */
  smsSteps: number;
  /** Messages in all (emails and texts), at most: recipients × steps. */
  emails: number;
  /** Matched the audience but will not be mailed: suppressed, unsubscribed, bounced or complained. */
  suppressed: number;
  /** Recipients for whom it is outside the sending window now: their first email waits for it. */
  outsideWindow: number;
  /** Tags without a fallback that some recipients have no value for (they render blank). */
  missingFields: Array<{ tag: string; recipients: number }>;
  /** Tags no recipient has and Herald does not know: they render blank (or their fallback) for everyone. */
  unknownTags: string[];
  /** For a rerun: people of the previous run who were never mailed, and whether this choice includes them. */
  neverMailed: { previousRun: number; people: number; included: boolean } | null;
  sentences: string[];
  /** Why Start or Rerun would be refused (no steps, no audience, no previous run), or null: then nothing is offered to confirm. */
  refusal: string | null;
}

/**
 * Who will get what if the campaign starts (or reruns for `audience`) now:
 * the same audience rule, suppression check and window as run start, read
 * without writing anything. The confirm dialog before Start and Rerun shows
 * its sentences.
 */
export async function preflight(db: Executor, campaignId: number, audience: RunAudience = "everyone"): Promise<Preflight> {
  const [c] = await db.select().from(campaigns).where(eq(campaigns.id, campaignId));
  if (!c) throw new NotFound("That campaign does not exist.");
  const steps = await db.execute<{ subject: string; html: string; text: string; channel: string }>(sql`
    select t.subject, t.html, t.text, s.channel from sequence_steps s join templates t on t.id = s.template_id where s.campaign_id = ${campaignId} order by s.step_number`);
  const smsSteps = steps.filter((st) => st.channel === "sms").length;
  const tags = new Map<string, boolean>(); // tag -> every use has a fallback
  for (const st of steps) {
    for (const m of `${st.subject}\n${st.html}\n${st.text}`.matchAll(TAG)) {
      const name = m[1]!.toLowerCase();
      tags.set(name, (tags.get(name) ?? true) && Boolean(m[2]?.slice(1).trim()));
    }
  }
  const sourceRunId = audience === "everyone" ? c.currentRunId : c.currentRunId;
  const [prev] = c.currentRunId
    ? await db.execute<{ run_number: number; never: number }>(sql`
        select r.run_number, (select count(*)::int from run_recipients p where p.campaign_id = ${campaignId} and p.run_id = r.id and p.first_sent_at is null) as never
        from campaign_runs r where r.campaign_id = ${campaignId} and r.id = ${c.currentRunId}`)
    : [];
  const refusal = await startRefusal(db, c, audience);
  if (refusal) return { audience, audienceLabel: AUDIENCE_LABELS[audience], recipients: 0, steps: steps.length, smsSteps, emails: 0, suppressed: 0, outsideWindow: 0, missingFields: [], unknownTags: [], neverMailed: null, sentences: [refusal], refusal };
  const names = [...tags.keys()];
  const valueOf = (tag: string) => (STANDARD.has(tag) ? sql.raw(`l.${tag}`) : sql`l.attributes->>${tag}`);
  const window = sql`${`{${c.windowDays.join(",")}}`}::smallint[], ${c.windowStartHour}::int, ${c.windowEndHour}::int`;
  const ok = mailableLead;
  const [row] = await db.execute<Record<string, number>>(sql`
    select count(*) filter (where ${ok})::int as recipients,
           count(*) filter (where not ${ok})::int as suppressed,
           count(*) filter (where ${ok} and herald_next_send_time(now(), coalesce(l.time_zone, ${c.timeZone}), ${window}) > now() + interval '1 minute')::int as outside_window
           ${sql.join(names.map((t, i) => sql`, count(*) filter (where ${ok} and nullif(trim(${valueOf(t)}), '') is null)::int as ${sql.raw(`missing_${i}`)}, bool_or(${STANDARD.has(t) ? sql`true` : sql`l.attributes ? ${t}`}) as ${sql.raw(`known_${i}`)}`), sql``)}
    from leads l where ${audienceCondition(campaignId, audience, sourceRunId)}`);
  const r = row ?? {};
  const recipients = Number(r.recipients ?? 0);
  const unknownTags = names.filter((t, i) => !STANDARD.has(t) && !r[`known_${i}`]);
  const missingFields = names
    .map((t, i) => ({ tag: t, recipients: Number(r[`missing_${i}`] ?? 0), fallback: tags.get(t)! }))
    .filter((m) => m.recipients > 0 && !m.fallback && !unknownTags.includes(m.tag))
    .map(({ tag, recipients: n }) => ({ tag, recipients: n }));
  const neverMailed = prev ? { previousRun: prev.run_number, people: prev.never, included: audience === "not_mailed" || audience === "everyone" } : null;
  const result: Preflight = {
    audience, audienceLabel: AUDIENCE_LABELS[audience], recipients, steps: steps.length, smsSteps, emails: recipients * steps.length,
    suppressed: Number(r.suppressed ?? 0), outsideWindow: Number(r.outside_window ?? 0), missingFields, unknownTags, neverMailed, sentences: [], refusal: null,
  };
  result.sentences = describe(result);
  return result;
}

const n = (x: number) => new Intl.NumberFormat("en-US").format(x);
const people = (x: number) => `${n(x)} ${x === 1 ? "person" : "people"}`;

function describe(p: Preflight): string[] {
  // Emails, texts, or both: a text goes only to those with a phone number, hence "up to".
  const words = messageWords({ email: p.steps - p.smsSteps, sms: p.smsSteps });
  const both = p.smsSteps && p.smsSteps < p.steps ? " (emails and texts)" : "";
  const out = [`${people(p.recipients)} (${p.audienceLabel}) will get ${p.steps === 1 ? `one ${words.one}` : `up to ${p.steps} ${words.many} each${both}`}: ${p.smsSteps ? "up to " : ""}${n(p.emails)} ${words.many} in all.`];
  if (p.suppressed) out.push(`${people(p.suppressed)} of the audience ${p.suppressed === 1 ? "is" : "are"} left out: suppressed, unsubscribed, bounced or complained before.`);
  if (p.outsideWindow) out.push(`${people(p.recipients === p.outsideWindow ? p.outsideWindow : p.outsideWindow)} are outside the sending window now: their mail waits until it opens.`);
  for (const m of p.missingFields) out.push(`${people(m.recipients)} have no ${m.tag}: {{${m.tag}}} renders blank for them (add a fallback like {{${m.tag}|there}}).`);
  if (p.unknownTags.length) out.push(`No recipient has ${p.unknownTags.map((t) => `{{${t}}}`).join(", ")}: ${p.unknownTags.length === 1 ? "it renders" : "they render"} blank (or as the fallback) for everyone. Check the spelling.`);
  if (p.neverMailed?.people && !p.neverMailed.included) out.push(`${people(p.neverMailed.people)} of run ${p.neverMailed.previousRun} were never mailed and are not in this choice; choose "only those not mailed yet" to reach them.`);
  return out;
}

