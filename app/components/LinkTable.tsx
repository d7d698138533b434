import { fmtInt } from "../lib/format";
import type { RouterOutputs } from "../lib/trpc.client";

type Link = RouterOutputs["engagement"]["links"][number];

/** Why Herald called clicks a machine's, in words (server/tracking/machine.ts). */
const REASONS: Record<string, string> = {
  head: "HEAD request", decoy: "hidden decoy", "no-agent": "no browser named", "privacy-proxy": "image proxy",
  "scanner-agent": "scanner's browser name", "scanner-network": "scanner's network", early: "seconds after the send", burst: "several links at once", flagged: "flagged",
};

/** Every tracked link with people and machines apart: what people clicked, and what scanners followed. */
export function LinkTable({ links, caption }: { links: Link[]; caption: string }) {
  if (!links.length) return null;
  return (
    <div className="table-wrap">
      <table className="data" aria-label={caption}>
        <caption className="muted small" style={{ textAlign: "left" }}>{caption}: people who clicked as a person, and clicks by link scanners and other machines, counted apart.</caption>
        <thead><tr><th scope="col">Link</th><th scope="col" className="num">People (human clicks)</th><th scope="col" className="num">Human clicks</th><th scope="col" className="num">Machine clicks</th><th scope="col" className="num">People with machine clicks only</th><th scope="col">Why machine</th></tr></thead>
        <tbody>
          {links.map((l) => (
            <tr key={`${l.decoy}:${l.link}`}>
              <td className="small" style={{ wordBreak: "break-all" }}>{l.decoy ? <em>hidden decoy link (only machines follow it)</em> : l.link}</td>
              <td className="num">{fmtInt(l.humanPeople)}</td>
              <td className="num">{fmtInt(l.humanClicks)}</td>
              <td className="num">{fmtInt(l.machineClicks)}</td>
              <td className="num">{fmtInt(l.machinePeople)}</td>
              <td className="small">{l.reasons.map((r) => `${REASONS[r.reason] ?? r.reason} (${fmtInt(r.clicks)})`).join(", ")}</td>
            </tr>
          ))}
        </tbody>
      </table>
    </div>
  );
}
