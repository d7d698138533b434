import { formatCost, type Cost } from "../../shared/money";
import { SMS_LABELS, smsRatesOf, type SmsCounts } from "../../shared/sms-rates";
import { fmtCount, fmtInt, fmtPct } from "../lib/format";
import { Kpi } from "./Kpi";

/**
 * The text-message counters of a run or a campaign: rates over people texted
 * (docs/decisions/047), the per-text delivery rate beside them, each label
 * saying its base, and what Twilio charged when it reports prices.
 */
export function SmsCounters({ counts, cost, title = "Text messages (SMS)" }: { counts: SmsCounts; cost?: Cost; title?: string }) {
  const rates = smsRatesOf(counts);
  const ofPeople = `of ${fmtInt(counts.peopleTexted)} people texted`;
  const priced = (cost ?? []).reduce((n, c) => n + c.texts, 0);
  return (
    <section className="stack" aria-label={title}>
      <h2>{title}</h2>
      <div className="kpis">
        <Kpi label="People texted" value={fmtInt(counts.peopleTexted)} hint="at least one text accepted by Twilio" />
        <Kpi label="Texts sent" value={fmtInt(counts.smsSent)} hint="accepted by Twilio" />
        <Kpi label="Delivered" value={fmtInt(counts.smsDelivered)} hint={`texts, to ${fmtCount(counts.peopleTextDelivered, "person", "people")}`} />
        <Kpi label="Failed" value={fmtInt(counts.smsFailed)} hint="texts refused, undelivered or failed" />
        <Kpi label="Replies" value={fmtInt(counts.smsReplied)} hint="people" />
        <Kpi label="Opt-outs" value={fmtInt(counts.smsOptedOut)} hint="people who texted STOP" />
        <Kpi label={SMS_LABELS.delivery} value={fmtPct(rates.delivery)} hint={rates.delivery == null ? "no delivery reports yet" : `${fmtInt(counts.peopleTextDelivered)} ${ofPeople}`} />
        <Kpi label={SMS_LABELS.reply} value={fmtPct(rates.reply)} hint={`${fmtInt(counts.smsReplied)} ${ofPeople}`} />
        <Kpi label={SMS_LABELS.optOut} value={fmtPct(rates.optOut)} hint={`${fmtInt(counts.smsOptedOut)} ${ofPeople}`} />
        <Kpi label={SMS_LABELS.deliveryPerText} value={fmtPct(rates.perText.delivery)} hint={`${fmtInt(counts.smsDelivered)} of ${fmtInt(counts.smsSent)} texts sent`} />
        {cost ? <Kpi label="Cost" value={formatCost(cost)} hint={priced ? `${fmtInt(priced)} of ${fmtInt(counts.smsSent)} texts priced by Twilio so far` : "Twilio has reported no price yet"} /> : null}
      </div>
    </section>
  );
}
