import { Form, useNavigation } from "@remix-run/react";
import { useState } from "react";
import { countSegments, MAX_SEGMENTS, OPT_OUT_LINE, withOptOut, withoutOptOut } from "../../shared/sms-segments";

export interface CampaignFormValues {
  name: string;
  kind: "broadcast" | "sequence";
  fromName: string;
  fromEmail: string;
  replyTo: string | null;
  startAt: string | null;
  timeZone: string;
  windowDays: number[];
  windowStartHour: number;
  windowEndHour: number;
  throttlePerMinute: number;
  listIds: number[];
  senderIds: number[];
  steps: Array<{ channel?: "email" | "sms"; templateId?: number; smsBody?: string | null; delayMinutes: number; stopOnReply: boolean }>;
}

interface Options {
  templates: Array<{ id: number; name: string; subject: string }>;
  lists: Array<{ id: number; name: string; members: number }>;
  /** Sender identities of both channels (email: fromEmail; SMS: smsSender, a number or Messaging Service SID). */
  senders: Array<{ id: number; channel: "email" | "sms"; fromEmail: string | null; smsSender: string | null; dailyCap: number }>;
}

const days = [[1, "Mon"], [2, "Tue"], [3, "Wed"], [4, "Thu"], [5, "Fri"], [6, "Sat"], [7, "Sun"]] as const;

/** One form for creating and editing; the server re-validates everything with the same zod schema. */
export function CampaignForm({ initial, options, error, submitLabel, version }: { initial: CampaignFormValues; options: Options; error?: string | null; submitLabel: string; version?: number }) {
  const [kind, setKind] = useState(initial.kind);
  const [steps, setSteps] = useState<CampaignFormValues["steps"]>(initial.steps.length
    ? initial.steps.map((st) => ({ ...st, channel: st.channel ?? "email", smsBody: st.channel === "sms" ? withoutOptOut(st.smsBody ?? "") : "" }))
    : [{ channel: "email", templateId: options.templates[0]?.id ?? 0, smsBody: "", delayMinutes: 0, stopOnReply: true }]);
  const change = (i: number, patch: Partial<CampaignFormValues["steps"][number]>) => setSteps(steps.map((s, k) => (k === i ? { ...s, ...patch } : s)));
  const busy = useNavigation().state === "submitting";
  const shown = kind === "broadcast" ? steps.slice(0, 1) : steps;
  const emailSenders = options.senders.filter((s) => s.channel === "email");
  const smsSenders = options.senders.filter((s) => s.channel === "sms");
  return (
    <Form method="post" className="stack" id="campaign-form">
      {version !== undefined ? <input type="hidden" name="version" value={version} /> : null}
      {error ? <p role="alert" className="error">{error}</p> : null}
      <fieldset className="grid">
        <legend>Campaign</legend>
        <label>Name<input name="name" defaultValue={initial.name} required maxLength={200} /></label>
        <label>Kind
          <select name="kind" value={kind} onChange={(e) => setKind(e.target.value as "broadcast" | "sequence")}>
            <option value="broadcast">Broadcast (one email)</option>
            <option value="sequence">Sequence (several steps)</option>
          </select>
        </label>
        <label>From name<input name="fromName" defaultValue={initial.fromName} /></label>
        <label>From address<input name="fromEmail" type="email" defaultValue={initial.fromEmail} required /></label>
        <label>Reply-to<input name="replyTo" type="email" defaultValue={initial.replyTo ?? ""} placeholder="optional" /></label>
      </fieldset>

      <fieldset className="stack">
        <legend>Steps</legend>
        {shown.map((step, i) => (
          <div className="step-row" key={i}>
            <strong aria-hidden>{i + 1}.</strong>
            <label>Channel
              <select name="stepChannel" value={step.channel ?? "email"} onChange={(e) => {
                const channel = e.target.value as "email" | "sms";
                change(i, { channel, templateId: channel === "email" && !options.templates.some((t) => t.id === step.templateId) ? options.templates[0]?.id : step.templateId });
              }}>
                <option value="email">Email</option><option value="sms">SMS (text message)</option>
              </select>
            </label>
            {step.channel === "sms" ? (
              <>
                <input type="hidden" name="stepTemplate" value="0" />
                <SmsBodyField index={i} body={step.smsBody ?? ""} onChange={(smsBody) => change(i, { smsBody })} />
              </>
            ) : (
              <label>Template
                <input type="hidden" name="stepSmsBody" value="" />
                <select name="stepTemplate" value={step.templateId ?? options.templates[0]?.id ?? 0} onChange={(e) => change(i, { templateId: Number(e.target.value) })}>
                  {options.templates.map((t) => <option key={t.id} value={t.id}>{t.name} — {t.subject}</option>)}
                </select>
              </label>
            )}
            <label>{i === 0 ? "Delay after start (hours)" : "Delay after previous (hours)"}
              <input name="stepDelayHours" type="number" min={0} step="0.25" value={step.delayMinutes / 60} onChange={(e) => setSteps(steps.map((s, k) => (k === i ? { ...s, delayMinutes: Math.round(Number(e.target.value) * 60) } : s)))} />
            </label>
            <label>Stop on reply
              <select name="stepStopOnReply" value={step.stopOnReply ? "yes" : "no"} onChange={(e) => setSteps(steps.map((s, k) => (k === i ? { ...s, stopOnReply: e.target.value === "yes" } : s)))}>
                <option value="yes">yes</option><option value="no">no</option>
              </select>
            </label>
            {kind === "sequence" && shown.length > 1 ? <button type="button" className="danger" onClick={() => setSteps(steps.filter((_s, k) => k !== i))} aria-label={`Remove step ${i + 1}`}>Remove</button> : <span />}
          </div>
        ))}
        {kind === "sequence" ? <button type="button" onClick={() => setSteps([...steps, { channel: "email", templateId: options.templates[0]?.id ?? 0, smsBody: "", delayMinutes: 3 * 24 * 60, stopOnReply: true }])}>Add step</button> : null}
        {!options.templates.length ? <p className="error">There are no templates yet: create one first.</p> : null}
      </fieldset>

      <fieldset className="stack">
        <legend>Audience</legend>
        {options.lists.length ? options.lists.map((l) => (
          <label className="inline" key={l.id}><input type="checkbox" name="listIds" value={l.id} defaultChecked={initial.listIds.includes(l.id)} /> {l.name} <span className="muted small">({l.members} leads)</span></label>
        )) : <p className="muted">No lists yet: import leads first.</p>}
      </fieldset>

      <fieldset className="grid">
        <legend>Schedule and pace</legend>
        <label>Start at (campaign time zone; empty = when started)<input name="startAt" type="datetime-local" defaultValue={initial.startAt ?? ""} /></label>
        <label>Time zone<input name="timeZone" defaultValue={initial.timeZone} required placeholder="Europe/Berlin" /></label>
        <label>Window opens (hour)<input name="windowStartHour" type="number" min={0} max={23} defaultValue={initial.windowStartHour} /></label>
        <label>Window closes (hour)<input name="windowEndHour" type="number" min={1} max={24} defaultValue={initial.windowEndHour} /></label>
        <label>Throttle (messages a minute, emails and texts)<input name="throttlePerMinute" type="number" min={1} defaultValue={initial.throttlePerMinute} /></label>
        <div>
          <div className="strong small">Sending days</div>
          <div className="row">{days.map(([n, name]) => <label className="inline" key={n}><input type="checkbox" name="windowDays" value={n} defaultChecked={initial.windowDays.includes(n)} /> {name}</label>)}</div>
        </div>
      </fieldset>

      {emailSenders.length ? (
        <fieldset className="stack">
          <legend>Sender identities (rotated; each with its daily cap)</legend>
          {emailSenders.map((s) => <label className="inline" key={s.id}><input type="checkbox" name="senderIds" value={s.id} defaultChecked={initial.senderIds.includes(s.id)} /> {s.fromEmail} <span className="muted small">({s.dailyCap}/day)</span></label>)}
        </fieldset>
      ) : null}
      {smsSenders.length && shown.some((st) => st.channel === "sms") ? (
        <fieldset className="stack">
          <legend>SMS senders (texts rotate across them; each with its daily cap)</legend>
          <p className="muted small">None chosen: texts go from the senders in Herald's configuration. <a href="/senders">Manage senders</a></p>
          {smsSenders.map((s) => <label className="inline" key={s.id}><input type="checkbox" name="senderIds" value={s.id} defaultChecked={initial.senderIds.includes(s.id)} /> {s.smsSender} <span className="muted small">({s.dailyCap}/day)</span></label>)}
        </fieldset>
      ) : (
        // Kept when the fieldset is hidden (no SMS step shown): editing the steps never drops the campaign's SMS senders.
        smsSenders.filter((s) => initial.senderIds.includes(s.id)).map((s) => <input type="hidden" name="senderIds" value={s.id} key={s.id} />)
      )}

      <div><button type="submit" className="primary" disabled={busy}>{busy ? "Saving…" : submitLabel}</button></div>
    </Form>
  );
}

/**
 * An SMS step's body with a live count as carriers bill it (GSM-7: 160 / 153
 * a segment; any other character makes it UCS-2: 70 / 67), counted with the
 * opt-out line, which is shown fixed under the body and cannot be removed.
 */
function SmsBodyField({ index, body, onChange }: { index: number; body: string; onChange: (body: string) => void }) {
  const count = countSegments(withOptOut(body));
  const tooLong = count.segments > MAX_SEGMENTS;
  return (
    <div className="stack sms-field">
      <label>Text message (merge tags like {"{{first_name|there}}"} work)
        <textarea name="stepSmsBody" rows={3} value={body} onChange={(e) => onChange(withoutOptOut(e.target.value))} required maxLength={1800} aria-describedby={`sms-count-${index}`} />
      </label>
      <div className="small sms-fixed" aria-label="Opt-out line, always added">{OPT_OUT_LINE}</div>
      <div id={`sms-count-${index}`} className={`small sms-count${tooLong ? " error" : " muted"}`} aria-live="polite">
        {count.units} / {count.segments <= 1 ? count.perSegment : count.segments * count.perSegment} {count.encoding === "GSM-7" ? "characters" : "UCS-2 units"} · {count.segments} {count.segments === 1 ? "segment" : "segments"} · {count.encoding}
        {count.unicode.length ? ` (because of ${count.unicode.map((c) => `“${c}”`).join(" ")})` : ""}
        {tooLong ? ` — at most ${MAX_SEGMENTS} segments` : ""}
      </div>
    </div>
  );
}
