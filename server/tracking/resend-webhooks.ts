import { isIP } from "node:net";
import { sql } from "drizzle-orm";
import { Resend } from "resend";
import { z } from "zod";
import type { Database } from "../../db/client";
import { recordHit, type HitType } from "./hits";
import { MACHINE_CLICK_WINDOW_MS, MACHINE_OPEN_WINDOW_MS, requestReasons } from "./machine";
import { parseReplyTag, recordReply, sentBy } from "./replies";
import { suppressAddress } from "./suppress";

// Only used for its verifier, which never calls the API; the constructor insists on some key.
const verifier = new Resend("re_verify_only").webhooks;

/**
 * The SDK's own check (Svix / Standard Webhooks) on the raw body: HMAC-SHA256
 * over `${id}.${timestamp}.${body}` with the key after `whsec_`, any of the
 * `v1,<sig>` values may match, timestamps more than five minutes off are
 * refused. Returns the reason for a refusal, or null.
 */
export function verifyResendSignature(secret: string, headers: { id?: string; timestamp?: string; signature?: string }, rawBody: string): string | null {
  const { id, timestamp, signature } = headers;
  if (!id || !timestamp || !signature) return "missing svix-id, svix-timestamp or svix-signature header";
  try {
    verifier.verify({ payload: rawBody, headers: { id, timestamp, signature }, webhookSecret: secret });
    return null;
  } catch (error) {
    const message = (error as Error).message;
    if (/timestamp/i.test(message)) return "timestamp is more than five minutes off";
    if (/signature/i.test(message)) return "signature does not match";
    return `cannot be verified (${message.slice(0, 100)})`;
  }
}

const tagsSchema = z.union([z.array(z.object({ name: z.string(), value: z.string() })), z.record(z.string(), z.string())]).optional();
const eventSchema = z.object({
  type: z.string(),
  created_at: z.string().optional(),
  data: z.object({
    email_id: z.string().optional(),
    to: z.union([z.array(z.string()), z.string()]).optional(),
    from: z.string().optional(),
    tags: tagsSchema,
    headers: z.array(z.object({ name: z.string(), value: z.string() })).optional(),
    bounce: z.object({ type: z.string().optional(), subType: z.string().optional(), message: z.string().optional() }).optional(),
    click: z.object({ link: z.string().optional(), ipAddress: z.string().optional(), userAgent: z.string().optional() }).optional(),
    failed: z.object({ reason: z.string().optional() }).optional(),
  }).passthrough(),
});

export type WebhookOutcome = { status: 200 | 400; message: string };

const tagValue = (tags: z.infer<typeof tagsSchema>, name: string) =>
  Array.isArray(tags) ? tags.find((t) => t.name === name)?.value : tags?.[name];
/** Herald's own tags hold plain ids; anything else ("4.5", "1e400") names no email, and the provider id is looked up instead. */
const tagId = (value: string | undefined) => (value && /^[1-9][0-9]{0,14}$/.test(value) ? Number(value) : 0);
/** Resend retries a delivery for about a day and a half: an event three days off names a time no real delivery has. */
const EVENT_AGE_MAX_MS = 3 * 86_400_000;

/** Handles one verified Resend webhook delivery. Unknown emails and types are acknowledged and ignored. */
export async function handleResendEvent(db: Database, secret: string, deliveryId: string, body: unknown): Promise<WebhookOutcome> {
  const parsed = eventSchema.safeParse(body);
  if (!parsed.success) return { status: 400, message: "not a Resend event" };
  const { type, data, created_at } = parsed.data;
  const at = created_at ? Date.parse(created_at) : NaN;
  const occurredAt = Number.isNaN(at) ? new Date() : new Date(at);
  // Signed but unrecordable data is acknowledged, not refused: Resend retries every answer but 2xx for a day and a half.
  if (Math.abs(occurredAt.getTime() - Date.now()) > EVENT_AGE_MAX_MS) return { status: 200, message: "created_at is days away from now: not a time Herald records; ignored" };

  if (type === "email.received") return handleInbound(db, secret, deliveryId, data);

  let campaignId = tagId(tagValue(data.tags, "herald_campaign"));
  let scheduledEmailId = tagId(tagValue(data.tags, "herald_email"));
  if ((!campaignId || !scheduledEmailId) && data.email_id) {
    const [row] = await db.execute<{ campaign_id: number; id: number }>(sql`select campaign_id, id from scheduled_emails where provider_message_id = ${data.email_id} limit 1`);
    campaignId = row?.campaign_id ?? 0;
    scheduledEmailId = row?.id ?? 0;
  }
  if (!campaignId || !scheduledEmailId) return { status: 200, message: "not an email Herald sent; ignored" };

  const hard = type === "email.bounced" && (data.bounce?.type ?? "Permanent").toLowerCase() === "permanent";
  const mapped: Record<string, HitType | undefined> = {
    "email.delivered": "delivered", "email.delivery_delayed": "delivery_delayed", "email.bounced": hard ? "bounced" : "delivery_delayed",
    "email.complained": "complained", "email.opened": "opened", "email.clicked": "clicked", "email.failed": "failed", "email.suppressed": "failed",
  };
  const hitType = mapped[type];
  if (!hitType) return { status: 200, message: `${type} needs nothing from Herald` };

  const userAgent = data.click?.userAgent;
  const ip = data.click?.ipAddress && isIP(data.click.ipAddress) ? data.click.ipAddress : undefined;
  const recorded = await db.transaction(async (tx) => {
    const ok = await recordHit(tx, {
      campaignId, scheduledEmailId, type: hitType, occurredAt, providerEventId: deliveryId,
      data: { provider_type: type, ...(data.bounce ? { bounce: data.bounce } : {}), ...(data.click?.link ? { link: data.click.link } : {}), ...(data.failed ? { failed: data.failed } : {}) },
      userAgent, ip,
      // Judged like Herald's own endpoints, as far as Resend tells: by agent and network when it names them, and by timing.
      ...(hitType === "opened" || hitType === "clicked" ? {
        reasons: userAgent ? requestReasons(hitType, { userAgent, ip }) : undefined,
        machineWithinMs: hitType === "opened" ? MACHINE_OPEN_WINDOW_MS : MACHINE_CLICK_WINDOW_MS,
      } : {}),
    });
    if (ok && (hitType === "bounced" || hitType === "complained")) {
      const [to] = await tx.execute<{ email: string }>(sql`
        select r.email from scheduled_emails e join run_recipients r on r.campaign_id = e.campaign_id and r.id = e.recipient_id where e.campaign_id = ${campaignId} and e.id = ${scheduledEmailId}`);
      if (to) await suppressAddress(tx, to.email, hitType === "bounced" ? "hard_bounce" : "complaint", { campaignId, note: data.bounce?.message ?? type });
    }
    return ok;
  });
  return { status: 200, message: recorded ? `recorded ${hitType}` : "already recorded" };
}

async function handleInbound(db: Database, secret: string, deliveryId: string, data: z.infer<typeof eventSchema>["data"]): Promise<WebhookOutcome> {
  const to = Array.isArray(data.to) ? data.to : data.to ? [data.to] : [];
  let target = to.map((a) => parseReplyTag(secret, a)).find(Boolean) ?? null;
  if (!target) {
    const inReplyTo = data.headers?.find((h) => h.name.toLowerCase() === "in-reply-to")?.value.replace(/[<>]/g, "").split("@")[0];
    if (inReplyTo) {
      // A message id alone proves nothing (anyone can write the header): the sender must be the recipient it was sent to.
      const [row] = await db.execute<{ campaign_id: number; id: number; email: string }>(sql`
        select e.campaign_id, e.id, r.email from scheduled_emails e join run_recipients r on r.campaign_id = e.campaign_id and r.id = e.recipient_id
        where e.provider_message_id = ${inReplyTo} limit 1`);
      if (row && sentBy(data.from, row.email)) target = { campaignId: row.campaign_id, scheduledEmailId: row.id };
    }
  }
  if (!target) return { status: 200, message: "a reply Herald cannot match to a sent email; ignored" };
  const found = target;
  return db.transaction(async (tx) => {
    const fresh = await tx.execute(sql`insert into provider_events (provider_event_id) values (${deliveryId}) on conflict do nothing returning 1`);
    if (!fresh.length) return { status: 200 as const, message: "already recorded" };
    const [email] = await tx.execute<{ recipient_id: number }>(sql`select recipient_id from scheduled_emails where campaign_id = ${found.campaignId} and id = ${found.scheduledEmailId}`);
    if (!email) return { status: 200 as const, message: "the email this answers no longer exists; ignored" };
    await recordReply(tx, found.campaignId, email.recipient_id, "inbound");
    return { status: 200 as const, message: "recorded reply" };
  });
}
