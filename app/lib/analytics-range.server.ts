const granularities = ["day", "week", "month"] as const;
export type Granularity = (typeof granularities)[number];
const isoDay = (d: Date) => d.toISOString().slice(0, 10);
const validDay = (v: string | null) => (v && /^\d{4}-\d{2}-\d{2}$/.test(v) && !Number.isNaN(Date.parse(v)) ? v : null);

/** The range an Analytics URL asks for; what is missing gets a default, what is malformed is said, never guessed. */
export function rangeFromUrl(url: URL) {
  const p = url.searchParams;
  const granularity = granularities.includes(p.get("g") as Granularity) ? (p.get("g") as Granularity) : "day";
  const problems: string[] = [];
  for (const name of ["from", "to"] as const) if (p.get(name) && !validDay(p.get(name))) problems.push(`"${p.get(name)}" is not a date (use YYYY-MM-DD), so ${name === "from" ? "the default start" : "today"} is used.`);
  const to = validDay(p.get("to")) ?? isoDay(new Date());
  const from = validDay(p.get("from")) ?? isoDay(new Date(Date.parse(to) - (granularity === "month" ? 365 : granularity === "week" ? 90 : 29) * 86_400_000));
  const campaignId = Number(p.get("campaign")) || undefined;
  const runNumber = Number(p.get("run")) || undefined;
  return { granularity, from, to, campaignId, runNumber, problems };
}
