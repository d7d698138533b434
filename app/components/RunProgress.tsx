import type { StepProgress } from "../../shared/step-progress";
import { fmtInt } from "../lib/format";

export interface RunNumbers {
  runNumber: number;
  status: string;
  scheduledCount: number;
  sent: number;
  failed: number;
  /** Text messages (SMS steps) sent and failed: part of the scheduled count too. */
  smsSent?: number;
  smsFailed?: number;
}


/** The current run's progress, from the page's own data: the page refreshes everything at once (useLivePage). */
export function RunProgress({ run, steps, live }: { run: RunNumbers; steps?: StepProgress[]; live: boolean }) {
  const done = run.sent + run.failed + (run.smsSent ?? 0) + (run.smsFailed ?? 0);
  const left = Math.max(0, run.scheduledCount - done);
  const ended = ["COMPLETED", "CANCELLED", "FAILED"].includes(run.status);
  const pct = run.scheduledCount ? Math.round((done / run.scheduledCount) * 100) : 0;
  return (
    <div className="card stack" aria-live="polite">
      <div className="row" style={{ justifyContent: "space-between" }}>
        <h2>Run {run.runNumber} progress</h2>
        {live ? <span className="muted small">this page updates every 3 s</span> : null}
      </div>
      <progress max={run.scheduledCount || 1} value={done} style={{ width: "100%", height: 12 }} aria-label={`Run ${run.runNumber}: ${pct}% done`} />
      <div className="row small">
        <span data-testid="progress-sent"><strong>{fmtInt(run.sent)}</strong> emails sent</span>
        <span><strong>{fmtInt(run.failed)}</strong> emails failed</span>
        {run.smsSent || run.smsFailed ? <span data-testid="progress-sms"><strong>{fmtInt(run.smsSent ?? 0)}</strong> texts sent, <strong>{fmtInt(run.smsFailed ?? 0)}</strong> texts failed</span> : null}
        {ended ? (
          left ? <span data-testid="progress-left"><strong>{fmtInt(left)}</strong> never sent: the run was {run.status.toLowerCase()}</span> : null
        ) : <span data-testid="progress-left"><strong>{fmtInt(left)}</strong> remaining of {fmtInt(run.scheduledCount)} scheduled messages</span>}
        <span className="muted">{pct}%</span>
      </div>
      {steps && steps.length > 1 ? (
        <table className="data small" aria-label="Progress per step">
          <thead><tr><th scope="col">Step</th><th scope="col" className="num">Sent</th><th scope="col" className="num">Failed</th><th scope="col" className="num">Waiting</th><th scope="col" className="num">Of</th></tr></thead>
          <tbody>{steps.map((s) => <tr key={s.stepNumber}><td>Step {s.stepNumber}</td><td className="num">{fmtInt(s.sent)}</td><td className="num">{fmtInt(s.failed)}</td><td className="num">{fmtInt(s.waiting)}</td><td className="num">{fmtInt(s.total)}</td></tr>)}</tbody>
        </table>
      ) : null}
    </div>
  );
}
