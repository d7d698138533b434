import type { LoaderFunctionArgs } from "@remix-run/node";
import { guarded } from "../lib/guard.server";

/** A list's members as a CSV download (spreadsheet-safe). */
export async function loader({ context, request, params }: LoaderFunctionArgs) {
  const { filename, csv } = await guarded(request, () => context.trpc.lists.exportCsv({ listId: Number(params.id) || 0 }));
  return new Response(csv, { headers: { "Content-Type": "text/csv; charset=utf-8", "Content-Disposition": `attachment; filename="${filename}"` } });
}
