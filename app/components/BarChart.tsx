/** A small dependency-free SVG chart: stacked bars per period, with an accessible table fallback. */
export function BarChart({ periods, series, height = 180 }: { periods: string[]; series: Array<{ label: string; color: string; values: number[] }>; height?: number }) {
  const totals = periods.map((_p, i) => series.reduce((n, s) => n + (s.values[i] ?? 0), 0));
  const max = Math.max(1, ...totals);
  const width = Math.max(320, periods.length * 14);
  const bar = width / Math.max(1, periods.length);
  return (
    <figure className="stack" style={{ margin: 0 }}>
      <svg viewBox={`0 0 ${width} ${height + 20}`} role="img" aria-label={series.map((s) => s.label).join(", ") + " per period"} style={{ width: "100%", height: height + 20 }} preserveAspectRatio="none">
        <line x1={0} x2={width} y1={height} y2={height} stroke="#cfd6df" />
        {periods.map((p, i) => {
          let y = height;
          return (
            <g key={p}>
              <title>{`${p}: ${series.map((s) => `${s.values[i] ?? 0} ${s.label}`).join(", ")}`}</title>
              {series.map((s) => {
                const h = ((s.values[i] ?? 0) / max) * (height - 10);
                y -= h;
                return <rect key={s.label} x={i * bar + bar * 0.15} width={bar * 0.7} y={y} height={h} fill={s.color} />;
              })}
            </g>
          );
        })}
      </svg>
      <figcaption className="row small">
        {series.map((s) => <span key={s.label}><span style={{ display: "inline-block", width: 10, height: 10, background: s.color, marginRight: 4 }} />{s.label}</span>)}
        <span className="muted">{periods[0]} – {periods.at(-1)}</span>
      </figcaption>
    </figure>
  );
}
