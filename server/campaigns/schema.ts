import { z } from "zod";
import { isValidTimeZone } from "../leads/timezones";
import { countSegments, MAX_SEGMENTS, withOptOut } from "../../shared/sms-segments";

/** Names and subjects become mail headers: a line break there would let input add headers of its own. */
export const oneLine = <T extends z.ZodString>(schema: T, label: string) =>
  // eslint-disable-next-line no-control-regex -- NUL is refused on purpose
  schema.refine((v) => !/[\r\n\u0000]/.test(v), `${label} cannot contain line breaks`);

/** One schema for the campaign form and the router. */
export const stepInput = z.object({
  /** email (a template) or sms (a body written on the form; the opt-out line is added, never removed). */
  channel: z.enum(["email", "sms"]).default("email"),
  /** Required for an email step; an SMS step's template is written from its body (server/campaigns/campaigns.ts). */
  templateId: z.number().int().positive("Choose a template").optional(),
  smsBody: z.string().max(2000, "A text message can be at most 2,000 characters").nullish(),
  delayMinutes: z.number().int().min(0).max(365 * 24 * 60, "A delay can be at most a year"),
  stopOnReply: z.boolean().default(true),
}).superRefine((st, ctx) => {
  if (st.channel === "email" && !st.templateId) ctx.addIssue({ code: "custom", path: ["templateId"], message: "Choose a template" });
  if (st.channel === "sms") {
    if (!st.smsBody?.trim()) ctx.addIssue({ code: "custom", path: ["smsBody"], message: "Write the text message of every SMS step" });
    else if (countSegments(withOptOut(st.smsBody)).segments > MAX_SEGMENTS) ctx.addIssue({ code: "custom", path: ["smsBody"], message: `A text message can be at most ${MAX_SEGMENTS} segments long (with the opt-out line)` });
  }
});

export const campaignSettingsInput = z
  .object({
    name: oneLine(z.string().trim().min(1, "Give the campaign a name").max(200), "The name"),
    kind: z.enum(["broadcast", "sequence"]),
    fromName: oneLine(z.string().trim().max(200), "The from name").default(""),
    fromEmail: z.email("Enter the address mail is sent from"),
    replyTo: z.email("Enter a valid reply-to address").nullish(),
    startAt: z.coerce.date().nullish(),
    timeZone: z.string().refine(isValidTimeZone, "Use a time zone name like Europe/Berlin").default("UTC"),
    windowDays: z.array(z.number().int().min(1).max(7)).min(1, "Allow at least one sending day").default([1, 2, 3, 4, 5, 6, 7]),
    windowStartHour: z.number().int().min(0).max(23).default(0),
    windowEndHour: z.number().int().min(1).max(24).default(24),
    throttlePerMinute: z.number().int().min(1).max(1_000_000).default(600),
    listIds: z.array(z.number().int().positive()).default([]),
    senderIds: z.array(z.number().int().positive()).default([]),
    steps: z.array(stepInput).min(1, "Add at least one step").max(20),
  })
  .refine((c) => c.windowStartHour < c.windowEndHour, { message: "The sending window must end after it starts", path: ["windowEndHour"] })
  .refine((c) => c.kind === "sequence" || c.steps.length === 1, { message: "A broadcast has exactly one step", path: ["steps"] });

export type CampaignSettings = z.output<typeof campaignSettingsInput>;
export type CampaignSettingsInput = z.input<typeof campaignSettingsInput>;
