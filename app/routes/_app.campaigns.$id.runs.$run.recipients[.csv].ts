import type { LoaderFunctionArgs } from "@remix-run/node";
import { guarded, pathNumber, RUN_NUMBER_MAX } from "../lib/guard.server";
import { recipientQuery } from "../lib/recipient-filters";

/** A run's recipients matching the page's filters (status, what they did, search), as a CSV download. */
export async function loader({ context, request, params }: LoaderFunctionArgs) {
  const campaignId = pathNumber(params.id, "campaign");
  const runNumber = pathNumber(params.run, "run", RUN_NUMBER_MAX);
  const filters = recipientQuery(new URL(request.url).searchParams);
  const csv = await guarded(request, () => context.trpc.engagement.recipientsCsv({ campaignId, runNumber, ...filters }));
  const name = [filters.status, filters.engagement].filter(Boolean).join("-") || "all";
  return new Response(csv, {
    headers: { "Content-Type": "text/csv; charset=utf-8", "Content-Disposition": `attachment; filename="campaign-${campaignId}-run-${runNumber}-${name}.csv"` },
  });
}
