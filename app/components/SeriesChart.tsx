import { Bar, BarChart, CartesianGrid, Legend, Line, LineChart, ResponsiveContainer, Tooltip, XAxis, YAxis } from "recharts";
import { fmtInt } from "../lib/format";
import { useHydrated } from "../lib/hydrated";

export interface Series { key: string; label: string; color: string }

const months = ["Jan", "Feb", "Mar", "Apr", "May", "Jun", "Jul", "Aug", "Sep", "Oct", "Nov", "Dec"];
/** Periods are calendar dates (YYYY-MM-DD, the first day of a week or month): labelled without any time zone arithmetic. */
export function periodLabel(period: string, granularity: "day" | "week" | "month", withYear = false) {
  const [y, m, d] = period.split("-").map(Number) as [number, number, number];
  if (granularity === "month") return `${months[m - 1]} ${y}`;
  const base = `${d} ${months[m - 1]}`;
  return `${granularity === "week" ? "week of " : ""}${base}${withYear ? ` ${y}` : ""}`;
}

/**
 * A chart of a few series over the periods of a range, with axes, dates and
 * values on hover. Series are side by side (bars) or separate lines, never
 * stacked: clickers are a subset of openers, so a stack would count them twice.
 * Drawn in the browser only (it measures its box); the server sends a box of
 * the same height, so nothing jumps.
 */
export function SeriesChart({ data, series, granularity, kind, title }: { data: Array<Record<string, number | string>>; series: Series[]; granularity: "day" | "week" | "month"; kind: "bars" | "lines"; title: string }) {
  const hydrated = useHydrated();
  const empty = data.every((row) => series.every((s) => !Number(row[s.key])));
  if (empty) return <div className="chart-empty" role="note">No data in this range</div>;
  if (!hydrated) return <div className="chart-box" aria-hidden />;
  const common = {
    data,
    margin: { top: 8, right: 12, bottom: 0, left: 0 },
    accessibilityLayer: true,
  };
  const axes = (
    <>
      <CartesianGrid strokeDasharray="3 3" stroke="#e3e8ef" />
      <XAxis dataKey="period" tickFormatter={(p: string) => periodLabel(p, granularity === "week" ? "day" : granularity)} tick={{ fontSize: 12 }} minTickGap={16} />
      <YAxis allowDecimals={false} tickFormatter={(v: number) => fmtInt(v)} tick={{ fontSize: 12 }} width={48} />
      <Tooltip cursor={{ fill: "rgba(52, 81, 209, 0.08)" }} labelFormatter={(p) => periodLabel(String(p), granularity, true)} formatter={(v, name) => [fmtInt(Number(v)), name]} />
      <Legend wrapperStyle={{ fontSize: 13 }} />
    </>
  );
  return (
    <div className="chart-box" role="img" aria-label={title}>
      <ResponsiveContainer width="100%" height="100%">
        {kind === "bars" ? (
          <BarChart {...common}>
            {axes}
            {series.map((s) => <Bar key={s.key} dataKey={s.key} name={s.label} fill={s.color} isAnimationActive={false} />)}
          </BarChart>
        ) : (
          <LineChart {...common}>
            {axes}
            {series.map((s) => <Line key={s.key} dataKey={s.key} name={s.label} stroke={s.color} strokeWidth={2} dot={data.length <= 40} isAnimationActive={false} />)}
          </LineChart>
        )}
      </ResponsiveContainer>
    </div>
  );
}
