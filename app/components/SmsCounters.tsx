import { smsRatesOf } from "../../shared/sms-rates";
import { fmtInt, fmtPct } from "../lib/format";
import { Kpi } from "./Kpi";

type Counts = { smsSent: number; smsDelivered: number; smsFailed: number; smsReplied: number; smsOptedOut: number };

/** The text-message counters of a run or a campaign, with their rates per text sent (said on each). */
export function SmsCounters({ counts, title = "Text messages (SMS)" }: { counts: Counts; title?: string }) {
  const rates = smsRatesOf(counts);
  const of = `of ${fmtInt(counts.smsSent)} texts sent`;
  return (
    <section className="stack" aria-label={title}>
      <h2>{title}</h2>
      <div className="kpis">
        <Kpi label="Texts sent" value={fmtInt(counts.smsSent)} hint="accepted by Twilio" />
        <Kpi label="Delivered" value={fmtInt(counts.smsDelivered)} />
        <Kpi label="Failed" value={fmtInt(counts.smsFailed)} hint="refused, undelivered or failed" />
        <Kpi label="Replies" value={fmtInt(counts.smsReplied)} hint="people" />
        <Kpi label="Opt-outs" value={fmtInt(counts.smsOptedOut)} hint="people who texted STOP" />
        <Kpi label="Delivery rate (per text)" value={fmtPct(rates.delivery)} hint={`${fmtInt(counts.smsDelivered)} ${of}`} />
        <Kpi label="Opt-out rate (per text)" value={fmtPct(rates.optOut)} hint={`${fmtInt(counts.smsOptedOut)} ${of}`} />
      </div>
    </section>
  );
}
