import type { CampaignFormValues } from "../components/CampaignForm";

/** Turns the posted form into the settings object the campaigns router validates. */
export function settingsFromForm(form: FormData): CampaignFormValues {
  const numbers = (name: string) => form.getAll(name).map((v) => Number(v));
  const templates = numbers("stepTemplate");
  const delays = numbers("stepDelayHours");
  const stops = form.getAll("stepStopOnReply").map((v) => v === "yes");
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
    steps: templates.map((templateId, i) => ({ templateId, delayMinutes: Math.round((delays[i] ?? 0) * 60), stopOnReply: stops[i] ?? true })),
  };
}

/** datetime-local values are wall-clock times in the campaign's zone; the API wants an instant. */
export function zonedToInstant(local: string | null, timeZone: string): Date | null {
  if (!local) return null;
  const guess = new Date(`${local}:00Z`);
  const inZone = new Date(guess.toLocaleString("en-US", { timeZone }));
  const utc = new Date(guess.toLocaleString("en-US", { timeZone: "UTC" }));
  return new Date(guess.getTime() - (inZone.getTime() - utc.getTime()));
}

export function instantToZoned(instant: string | Date | null, timeZone: string): string | null {
  if (!instant) return null;
  const parts = new Intl.DateTimeFormat("en-CA", { timeZone, year: "numeric", month: "2-digit", day: "2-digit", hour: "2-digit", minute: "2-digit", hourCycle: "h23" }).formatToParts(new Date(instant));
  const get = (t: string) => parts.find((p) => p.type === t)?.value ?? "00";
  return `${get("year")}-${get("month")}-${get("day")}T${get("hour")}:${get("minute")}`;
}
