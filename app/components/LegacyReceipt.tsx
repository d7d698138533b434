import { fmtInt } from "../lib/format";
import type { RouterOutputs } from "../lib/trpc.client";

type Receipt = RouterOutputs["stats"]["legacyReceipts"][number];

const label: Record<string, string> = { sent: "Sent", opened: "Opened", replied: "Replied", positive_replies: "Positive replies", bounced: "Bounced", clicked: "Clicked" };

/** A legacy campaign's import receipt: where its history came from, and the proof it matches the source. */
export function LegacyReceipt({ receipts }: { receipts: Receipt[] }) {
  if (!receipts.length) return null;
  return (
    <div className="card stack" aria-label="Legacy import receipt">
      <h2>Legacy history</h2>
      {receipts.map((r) => {
        const ok = r.metrics.every((m) => m.source === m.herald);
        const checks = [["campaigns by name", r.checks.campaigns], ["campaign-days", r.checks.campaignDays], ["days", r.checks.day], ["ISO weeks", r.checks.week], ["months", r.checks.month]] as const;
        return (
          <div key={`${r.sourceTable}:${r.legacyId}`} className="stack">
            <p className="small">
              Run {r.runNumber} holds legacy id <strong>{r.legacyId}</strong> of <code>{r.sourceTable}</code>, imported {r.importedAt}.{" "}
              {ok ? "Every total matches the source." : <span className="error">Herald no longer matches the source: run herald verify-counters.</span>}
            </p>
            <div className="table-wrap">
              <table className="data">
                <thead><tr><th scope="col">Metric</th><th scope="col" className="num">Source</th><th scope="col" className="num">Herald</th></tr></thead>
                <tbody>{r.metrics.map((m) => <tr key={m.metric}><td>{label[m.metric] ?? m.metric}</td><td className="num">{fmtInt(m.source)}</td><td className="num">{fmtInt(m.herald)}</td></tr>)}</tbody>
              </table>
            </div>
            <p className="muted small">
              Reconciled at import: {checks.map(([name, c]) => `${fmtInt(c.compared)} ${name} (${fmtInt(c.differing)} differing)`).join(", ")}.
              {Object.entries(r.dimensions).map(([k, v]) => ` ${k}: ${v.join(", ")}.`).join("")}
              {r.notImported.length ? ` Not imported: ${r.notImported.map((c) => c.column).join(", ")}.` : ""}
            </p>
          </div>
        );
      })}
    </div>
  );
}
