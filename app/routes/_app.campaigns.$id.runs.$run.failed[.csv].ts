import type { LoaderFunctionArgs } from "@remix-run/node";
import { guarded, pathNumber, RUN_NUMBER_MAX } from "../lib/guard.server";

/** The failed recipients of a run, as a CSV download. */
export async function loader({ context, request, params }: LoaderFunctionArgs) {
  const campaignId = pathNumber(params.id, "campaign");
  const runNumber = pathNumber(params.run, "run", RUN_NUMBER_MAX);
  const csv = await guarded(request, () => context.trpc.campaigns.failedCsv({ campaignId, runNumber }));
  return new Response(csv, {
    headers: { "Content-Type": "text/csv; charset=utf-8", "Content-Disposition": `attachment; filename="campaign-${campaignId}-run-${runNumber}-failed.csv"` },
  });
}
