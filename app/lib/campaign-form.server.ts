import type { CampaignFormValues } from "../components/CampaignForm";

/** Turns the posted form into the settings object the campaigns router validates. */
export function settingsFromForm(form: FormData): CampaignFormValues {
  const numbers = (name: string) => form.getAll(name).map((v) => Number(v));
  const templates = numbers("stepTemplate");
  const delays = numbers("stepDelayHours");
  const stops = form.getAll("stepStopOnReply").map((v) => v === "yes");
  const channels = form.getAll("stepChannel").map((v) => (v === "sms" ? "sms" as const : "email" as const));
  const bodies = form.getAll("stepSmsBody").map(String);
  const startAt = String(form.get("startAt") ?? "");
  return {
    name: String(form.get("name") ?? ""),
    kind: form.get("kind") === "sequence" ? "sequence" : "broadcast",
    fromName: String(form.get("fromName") ?? ""),
    fromEmail: String(form.get("fromEmail") ?? ""),
    replyTo: String(form.get("replyTo") ?? "") || null,
    startAt: startAt ? startAt : null,
    timeZone: String(form.get("timeZone") ?? "UTC"),
    windowDays: numbers("windowDays"),
    windowStartHour: Number(form.get("windowStartHour") ?? 0),
    windowEndHour: Number(form.get("windowEndHour") ?? 24),
    throttlePerMinute: Number(form.get("throttlePerMinute") ?? 600),
    listIds: numbers("listIds"),
    senderIds: numbers("senderIds"),
    steps: templates.map((templateId, i) => ({
      channel: channels[i] ?? "email", templateId: channels[i] === "sms" ? undefined : templateId, smsBody: channels[i] === "sms" ? bodies[i] ?? "" : undefined,
      delayMinutes: Math.round((delays[i] ?? 0) * 60), stopOnReply: stops[i] ?? true,
    })),
  };
}

export { instantToWallClock as instantToZoned, wallClockToInstant } from "./zoned-time";
