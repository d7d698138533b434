import type { LoaderFunctionArgs } from "@remix-run/node";
import { rangeFromUrl } from "../lib/analytics-range.server";
import { guarded } from "../lib/guard.server";

/** The Analytics table of the same range as a CSV download. */
export async function loader({ context, request }: LoaderFunctionArgs) {
  const { granularity, from, to, campaignId, runNumber } = rangeFromUrl(new URL(request.url));
  const runs = campaignId && runNumber ? await guarded(request, () => context.trpc.campaigns.runs({ campaignId })) : [];
  const runId = runs.find((r) => r.runNumber === runNumber)?.id;
  const csv = await guarded(request, () => context.trpc.stats.seriesCsv({ campaignId, runId, from, to, granularity }));
  return new Response(csv, {
    headers: { "Content-Type": "text/csv; charset=utf-8", "Content-Disposition": `attachment; filename="herald-${campaignId ? `campaign-${campaignId}-` : ""}${from}-to-${to}-by-${granularity}.csv"` },
  });
}
