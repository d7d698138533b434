import { useRevalidator } from "@remix-run/react";
import { useEffect, useState } from "react";
import { fmtInt } from "../lib/format";
import { trpc } from "../lib/trpc.client";

export interface RunNumbers {
  runNumber: number;
  status: string;
  scheduledCount: number;
  sent: number;
  failed: number;
}

/** The current run's progress; polls the tRPC API every 3 s while the run is live and refreshes the page when it ends. */
export function RunProgress({ campaignId, initial }: { campaignId: number; initial: RunNumbers }) {
  const [run, setRun] = useState(initial);
  const { revalidate } = useRevalidator();
  useEffect(() => setRun(initial), [initial]);
  const live = run.status === "SENDING" || run.status === "SCHEDULED";
  useEffect(() => {
    if (!live) return;
    const timer = setInterval(async () => {
      if (document.visibilityState !== "visible") return;
      const c = await trpc.campaigns.get.query({ campaignId }).catch(() => null);
      if (!c?.currentRun) return;
      setRun(c.currentRun);
      if (c.currentRun.status !== run.status) revalidate();
    }, 3000);
    return () => clearInterval(timer);
  }, [live, campaignId, run.status, revalidate]);
  const done = run.sent + run.failed;
  const pct = run.scheduledCount ? Math.round((done / run.scheduledCount) * 100) : 0;
  return (
    <div className="card stack" aria-live="polite">
      <div className="row" style={{ justifyContent: "space-between" }}>
        <h2>Run {run.runNumber} progress</h2>
        {live ? <span className="muted small">updates every 3 s</span> : null}
      </div>
      <progress max={run.scheduledCount || 1} value={done} style={{ width: "100%", height: 12 }} aria-label={`Run ${run.runNumber}: ${pct}% done`} />
      <div className="row small">
        <span data-testid="progress-sent"><strong>{fmtInt(run.sent)}</strong> sent</span>
        <span><strong>{fmtInt(run.failed)}</strong> failed</span>
        <span><strong>{fmtInt(Math.max(0, run.scheduledCount - done))}</strong> remaining of {fmtInt(run.scheduledCount)} scheduled</span>
        <span className="muted">{pct}%</span>
      </div>
    </div>
  );
}
