import { json, redirect, type ActionFunctionArgs, type LoaderFunctionArgs, type MetaFunction } from "@remix-run/node";
import { Link, useActionData, useLoaderData } from "@remix-run/react";
import { ActionButton } from "../components/ConfirmForm";
import { SmsCounters } from "../components/SmsCounters";
import { Kpi } from "../components/Kpi";
import { PreflightForm } from "../components/PreflightForm";
import { LegacyReceipt } from "../components/LegacyReceipt";
import { LinkTable } from "../components/LinkTable";
import { RunProgress } from "../components/RunProgress";
import { StatusBadge } from "../components/StatusBadge";
import { When, Ago } from "../components/Time";
import { fmtCount, fmtDate, fmtInt, fmtPct } from "../lib/format";
import { attempt, guarded, pathNumber } from "../lib/guard.server";
import { useLivePage } from "../lib/live";
import { RATE_LABELS } from "../lib/rate-labels";
import { SMS_LABELS, smsRatesOf } from "../../shared/sms-rates";

export const meta: MetaFunction<typeof loader> = ({ data }) => [{ title: `${data?.campaign.name ?? "Campaign"} · Herald` }];

export async function loader({ context, request, params }: LoaderFunctionArgs) {
  const id = pathNumber(params.id, "campaign");
  const [campaign, runs, stepProgress, legacy, links, smsCost] = await guarded(request, () => Promise.all([
    context.trpc.campaigns.get({ campaignId: id }), context.trpc.campaigns.runs({ campaignId: id }), context.trpc.campaigns.stepProgress({ campaignId: id }),
    context.trpc.stats.legacyReceipts({ campaignId: id }), context.trpc.engagement.links({ campaignId: id }), context.trpc.campaigns.smsCost({ campaignId: id }),
  ]));
  // Decided on the server, so the page the browser hydrates says the same ("Schedule" for a start time still ahead).
  const startsLater = campaign.startAt !== null && new Date(campaign.startAt).getTime() > Date.now();
  return json({ campaign, runs, stepProgress, legacy, links, smsCost, startsLater, canEdit: context.user?.role !== "viewer", airtable: context.app.airtable });
}

const audiences = ["everyone", "failed", "not_opened", "not_clicked", "not_mailed", "not_human_opened", "not_human_clicked"] as const;

/** What a lifecycle action did, as a sentence (a run's number and size when it made one). */
function doneMessage(intent: string, value: unknown): string {
  const run = value && typeof value === "object" && "runNumber" in value ? (value as { runNumber?: number; scheduled?: number; recipients?: number }) : null;
  if (run?.runNumber !== undefined) {
    return `Run ${run.runNumber} created: ${fmtCount(run.scheduled ?? 0, "email", "emails")} scheduled for ${fmtCount(run.recipients ?? 0, "person", "people")}.`;
  }
  const said: Record<string, string> = {
    pause: "Paused: no more emails go out until you resume.",
    resume: "Resumed: sending again.",
    cancel: "Cancelled: the emails not yet sent will not go out.",
  };
  return said[intent] ?? "Saved.";
}

export async function action({ context, request, params }: ActionFunctionArgs) {
  const id = pathNumber(params.id, "campaign");
  const form = await request.formData();
  const intent = String(form.get("intent"));
  const expectedVersion = form.get("version") ? Number(form.get("version")) : undefined;
  const c = context.trpc.campaigns;
  const result = await attempt(async () => {
    switch (intent) {
      case "start": return c.start({ campaignId: id, expectedVersion });
      case "pause": return c.pause({ campaignId: id, expectedVersion });
      case "resume": return c.resume({ campaignId: id, expectedVersion });
      case "cancel": return c.cancel({ campaignId: id, expectedVersion });
      case "duplicate": {
        const copy = await c.duplicate({ campaignId: id });
        return { redirect: `/campaigns/${copy.id}/edit` };
      }
      case "archive": return c.archive({ campaignId: id, archived: true }).then((r) => ({ message: `Archived "${r.name}": it is hidden from the campaign list and keeps its history.` }));
      case "unarchive": return c.archive({ campaignId: id, archived: false }).then((r) => ({ message: `"${r.name}" is back in the campaign list.` }));
      case "delete": {
        await c.deleteDraft({ campaignId: id });
        return { redirect: "/campaigns" };
      }
      case "test": {
        const r = await c.testSend({ campaignId: id });
        return { message: `Sent ${r.sent} test ${r.sent === 1 ? "email" : "emails"} to ${r.to}${r.renderedFor ? `, filled in for ${r.renderedFor}` : ""}.` };
      }
      case "rerun": {
        const audience = String(form.get("audience"));
        return c.rerun({ campaignId: id, expectedVersion, audience: audiences.includes(audience as never) ? (audience as (typeof audiences)[number]) : "everyone" });
      }
      default: throw new Response("Unknown action", { status: 400 });
    }
  });
  if (result.ok && result.value && typeof result.value === "object" && "redirect" in result.value) return redirect(String(result.value.redirect));
  const done = result.ok && result.value && typeof result.value === "object" && "message" in result.value ? String(result.value.message) : doneMessage(intent, result.ok ? result.value : null);
  return json(result.ok ? { ok: true as const, message: done } : { ok: false as const, message: result.error }, { status: result.ok ? 200 : 409 });
}

export default function CampaignPage() {
  const { campaign: c, runs, stepProgress, legacy, links, smsCost, startsLater, canEdit, airtable } = useLoaderData<typeof loader>();
  const result = useActionData<typeof action>();
  const live = c.currentRun?.status === "SENDING" || c.currentRun?.status === "SCHEDULED";
  useLivePage(live);
  const version = <input type="hidden" name="version" value={c.version} />;
  return (
    <section className="stack">
      <div className="page-head">
        <div>
          <div className="muted small"><Link to="/campaigns">Campaigns</Link> / {c.kind}</div>
          <h1>{c.name} <StatusBadge status={c.status} />{c.archivedAt ? <> <span className="badge">archived</span></> : null}</h1>
          <div className="muted small">Status changed {<Ago value={c.statusChangedAt} />} via {c.statusSource}{c.lastRunResult ? ` · ${c.lastRunResult}` : ""}</div>
        </div>
        {canEdit ? (
          <div className="row" aria-label="Campaign actions">
            {c.status === "draft" ? (
              <PreflightForm campaignId={c.id} intent="start" title={startsLater ? `Schedule "${c.name}" for ${fmtDate(c.startAt, c.timeZone)} (${c.timeZone})?` : `Start "${c.name}" now?`} confirmLabel={startsLater ? "Schedule" : "Start now"}>
                {version}
                <button type="submit" className="primary">{startsLater ? "Schedule" : "Start"}</button>
              </PreflightForm>
            ) : null}
            {c.status === "running" || c.status === "scheduled" ? <ActionButton intent="pause" label="Pause">{version}</ActionButton> : null}
            {c.status === "paused" ? <ActionButton intent="resume" label="Resume" className="primary">{version}</ActionButton> : null}
            {c.status !== "completed" && c.status !== "cancelled" && c.status !== "draft" ? (
              <ActionButton intent="cancel" label="Cancel campaign" className="danger" confirm={{
                title: `Cancel "${c.name}"?`,
                body: c.status === "scheduled" ? "It will not start, and none of its messages will be sent. You can run it again later." : "Messages not yet sent will never be sent. What was sent stays in its history; you can run it again later.",
                confirmLabel: "Cancel campaign", keepLabel: c.status === "scheduled" ? "Keep it scheduled" : c.status === "paused" ? "Keep it paused" : "Keep sending",
              }}>{version}</ActionButton>
            ) : null}
            {["completed", "cancelled", "failed"].includes(c.status) ? (
              <PreflightForm campaignId={c.id} intent="rerun" title={`Start run ${c.lifetimeRuns + 1} of "${c.name}"?`} confirmLabel={`Start run ${c.lifetimeRuns + 1}`}>
                {version}
                <label className="inline small">
                  <span className="sr-only">Rerun for</span>
                  <select name="audience" aria-label="Rerun for">
                    <option value="everyone">Everyone in the audience</option>
                    <option value="failed">Only failed recipients</option>
                    <option value="not_opened">Only those mailed who did not open</option>
                    <option value="not_clicked">Only those mailed who did not click</option>
                    <option value="not_mailed">Only those not mailed yet</option>
                    <option value="not_human_opened">Only those mailed who did not open as a person</option>
                    <option value="not_human_clicked">Only those mailed who did not click as a person</option>
                  </select>
                </label>
                <button type="submit" className="primary">Rerun</button>
              </PreflightForm>
            ) : null}
            <ActionButton intent="test" label="Send a test to me" />
            <Link className="button" to={`/campaigns/${c.id}/edit`}>Edit</Link>
            <ActionButton intent="duplicate" label="Duplicate" />
            {c.archivedAt ? <ActionButton intent="unarchive" label="Un-archive" />
              : ["draft", "completed", "cancelled", "failed"].includes(c.status) ? <ActionButton intent="archive" label="Archive" confirm={{ title: `Archive "${c.name}"?`, body: "It disappears from the campaign list (find it under “Archived only”); its runs, events and figures are kept, and you can un-archive it.", confirmLabel: "Archive campaign", keepLabel: "Keep it listed" }} /> : null}
            {c.status === "draft" && c.lifetimeRuns === 0 ? <ActionButton intent="delete" label="Delete draft" className="danger" confirm={{ title: `Delete "${c.name}"?`, body: "The draft, its steps and audience choice are deleted for good. Templates and lists stay.", confirmLabel: "Delete draft", keepLabel: "Keep the draft" }} /> : null}
          </div>
        ) : null}
      </div>
      {result ? <p role={result.ok ? "status" : "alert"} className={result.ok ? "notice" : "error"}>{result.message}</p> : null}

      <div className="kpis">
        <Kpi label="Runs" value={fmtInt(c.lifetimeRuns)} />
        <Kpi label="Emails sent (lifetime)" value={fmtInt(c.sent)} hint={`to ${fmtCount(c.peopleSent, "person", "people")}`} />
        <Kpi label="Failed emails" value={fmtInt(c.failed)} />
        <Kpi label={RATE_LABELS.open} value={fmtPct(c.rates.open)} hint={`${fmtInt(c.opened)} of ${fmtInt(c.rates.base.count)} ${c.rates.base.of}`} />
        <Kpi label={RATE_LABELS.humanOpen} value={fmtPct(c.rates.humanOpen)} hint={`${fmtInt(c.humanOpened)} of ${fmtInt(c.rates.base.count)} ${c.rates.base.of}, machines left out`} />
        <Kpi label={RATE_LABELS.click} value={fmtPct(c.rates.click)} hint={`${fmtInt(c.clicked)} of ${fmtInt(c.rates.base.count)} ${c.rates.base.of}`} />
        <Kpi label={RATE_LABELS.humanClick} value={fmtPct(c.rates.humanClick)} hint={`${fmtInt(c.humanClicked)} of ${fmtInt(c.rates.base.count)} ${c.rates.base.of}, machines left out`} />
        <Kpi label={RATE_LABELS.humanClickToOpen} value={fmtPct(c.rates.humanClickToOpen)} hint={`${fmtInt(c.humanClicked)} of ${fmtInt(c.humanOpened)} people who opened`} />
        <Kpi label={RATE_LABELS.reply} value={fmtPct(c.rates.reply)} hint={`${fmtInt(c.replied)} replied`} />
      </div>

      {c.steps.some((s) => s.channel === "sms") || c.smsSent ? <SmsCounters counts={c} cost={smsCost ?? undefined} title="Text messages (SMS), lifetime" /> : null}
      {c.currentRun ? <RunProgress run={c.currentRun} steps={stepProgress} live={live} /> : null}
      {c.currentRun?.status === "SENDING" && c.provider.message ? <p className="card" role="status">{c.provider.message}</p> : null}
      <LegacyReceipt receipts={legacy} />

      <div className="grid">
        <div className="card stack">
          <h2>Steps</h2>
          <ol className="stack" style={{ margin: 0, paddingLeft: "1.2rem" }}>
            {c.steps.map((s) => (
              <li key={s.stepNumber}>
                {s.channel === "sms"
                  ? <><span className="badge">SMS</span> <span className="small" style={{ whiteSpace: "pre-wrap" }}>{s.smsBody}</span></>
                  : <><span className="badge">Email</span> <strong>{s.templateName}</strong> <span className="muted">“{s.subject}”</span></>}
                {s.running && s.running.subject !== null && s.running.changed ? <div className="small notice">Run {c.currentRun?.runNumber} keeps the version it started with (“{s.running.subject}”); this edit applies to the next run.</div> : null}
                <div className="muted small">{s.stepNumber === 1 ? (s.delayMinutes ? `${formatDelay(s.delayMinutes)} after the start` : "at the start") : s.delayMinutes ? `${formatDelay(s.delayMinutes)} after step ${s.stepNumber - 1}` : `right after step ${s.stepNumber - 1}`}{s.stopOnReply ? " · stops on reply" : ""}</div>
              </li>
            ))}
          </ol>
        </div>
        <div className="card stack">
          <h2>Audience and schedule</h2>
          <dl className="facts">
            <dt>Lists</dt><dd>{c.audience.length ? c.audience.map((l) => `${l.name} (${fmtInt(l.members)})`).join(", ") : <span className="error">none chosen</span>}</dd>
            <dt>From</dt><dd data-testid="from-out">{c.fromOut.join(", ")}{c.senders.length ? <div className="muted small">rotating across {c.senders.length === 1 ? "the sender identity" : `${c.senders.length} sender identities`} ({c.senders.map((s) => `${fmtInt(s.dailyCap)}/day`).join(", ")}); the address typed on the form is not used</div> : null}</dd>
            {c.steps.some((s) => s.channel === "sms") ? <><dt>Texts from</dt><dd data-testid="sms-from">{c.smsSenders.length
              ? <>{c.smsSenders.map((s) => s.smsSender).join(", ")}<div className="muted small">rotating across {c.smsSenders.length === 1 ? "the SMS sender" : `${c.smsSenders.length} SMS senders`} ({c.smsSenders.map((s) => `${fmtInt(s.dailyCap)}/day`).join(", ")})</div></>
              : <span className="muted">the SMS senders in Herald's configuration</span>}</dd></> : null}
            <dt>Start</dt><dd>{c.startAt ? fmtDate(c.startAt, c.timeZone) : "as soon as started"}</dd>
            <dt>Window</dt><dd>{windowText(c.windowDays, c.windowStartHour, c.windowEndHour)} ({c.timeZone}, or the lead's own)</dd>
            <dt>Throttle</dt><dd>{fmtInt(c.throttlePerMinute)} messages a minute (emails and texts)</dd>
            <dt>Airtable</dt>
            <dd>
              {airtable === "off" ? <span className="muted">sync is off</span>
                : c.mirror.lastError ? <span className="error small">not mirrored yet: {c.mirror.lastError}</span>
                : c.mirror.recordId ? <>record {c.mirror.recordId}, pushed {<Ago value={c.mirror.lastPushedAt} />}{c.mirror.pending ? " · changes waiting" : ""}</>
                : <span className="muted">waiting for the first push</span>}
            </dd>
          </dl>
        </div>
      </div>

      <div className="stack">
        <div className="page-head">
          <h2>Runs</h2>
          <Link to={`/analytics?campaign=${c.id}&g=week`}>Analytics for this campaign</Link>
          {runs.length > 1 ? <Link to={`/campaigns/${c.id}/compare?a=${runs[1]!.runNumber}&b=${runs[0]!.runNumber}`}>Compare the last two runs</Link> : null}
        </div>
        {runs.length ? (
          <div className="table-wrap">
            <table className="data">
              <thead><tr><th scope="col">Run</th><th scope="col">Status</th><th scope="col">Audience</th><th scope="col">Started</th><th scope="col">Ended</th><th scope="col" className="num">Recipients</th><th scope="col" className="num">Emails sent</th><th scope="col" className="num">Failed</th><th scope="col" className="num">People texted</th><th scope="col" className="num">{SMS_LABELS.delivery}</th><th scope="col" className="num">{RATE_LABELS.open}</th><th scope="col" className="num">{RATE_LABELS.humanOpen}</th><th scope="col" className="num">{RATE_LABELS.click}</th><th scope="col" className="num">{RATE_LABELS.humanClick}</th></tr></thead>
              <tbody>
                {runs.map((r) => (
                  <tr key={r.id}>
                    <td><Link to={`/campaigns/${c.id}/runs/${r.runNumber}`}>Run {r.runNumber}</Link></td>
                    <td><StatusBadge status={r.status} /></td>
                    <td className="small">{r.audience.replaceAll("_", " ")}</td>
                    <td className="small">{<When value={r.startedAt} />}</td>
                    <td className="small">{<When value={r.completedAt} />}</td>
                    <td className="num">{fmtInt(r.recipients)}</td>
                    <td className="num">{fmtInt(r.sent)}</td>
                    <td className="num">{fmtInt(r.failed)}</td>
                    <td className="num">{fmtInt(r.peopleTexted)}</td>
                    <td className="num">{fmtPct(smsRatesOf(r).delivery)}</td>
                    <td className="num">{fmtPct(r.rates.open)}</td>
                    <td className="num">{fmtPct(r.rates.humanOpen)}</td>
                    <td className="num">{fmtPct(r.rates.click)}</td>
                    <td className="num">{fmtPct(r.rates.humanClick)}</td>
                  </tr>
                ))}
              </tbody>
            </table>
          </div>
        ) : (
          <div className="empty"><p>No runs yet. {canEdit && c.status === "draft" ? "Start the campaign to create run 1." : ""}</p></div>
        )}
      </div>
      {links.length ? (
        <div className="stack">
          <h2>Links</h2>
          <LinkTable links={links} caption="Links of every run" />
        </div>
      ) : null}
    </section>
  );
}

function formatDelay(minutes: number) {
  if (minutes % 1440 === 0) return `${minutes / 1440} day${minutes === 1440 ? "" : "s"}`;
  if (minutes % 60 === 0) return `${minutes / 60} hour${minutes === 60 ? "" : "s"}`;
  return `${minutes} minutes`;
}

const dayNames = ["", "Mon", "Tue", "Wed", "Thu", "Fri", "Sat", "Sun"];
function windowText(days: number[], start: number, end: number) {
  const d = days.length === 7 ? "every day" : days.map((x) => dayNames[x]).join(", ");
  return start === 0 && end === 24 ? `${d}, any time` : `${d}, ${start}:00–${end}:00`;
}

export { RouteErrorBoundary as ErrorBoundary } from "../components/RouteError";
