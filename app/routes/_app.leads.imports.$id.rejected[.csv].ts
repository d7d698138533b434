import type { LoaderFunctionArgs } from "@remix-run/node";
import { guarded } from "../lib/guard.server";

/** The rejected lines of a CSV import, to fix and import again (formula-safe). */
export async function loader({ context, request, params }: LoaderFunctionArgs) {
  const importId = Number(params.id);
  if (!Number.isInteger(importId) || importId < 1) throw new Response("No such import", { status: 404 });
  const { filename, csv } = await guarded(request, () => context.trpc.leads.rejectedCsv({ importId }));
  // A BOM so spreadsheet programs read the file as UTF-8.
  return new Response(`\uFEFF${csv}`, {
    headers: { "Content-Type": "text/csv; charset=utf-8", "Content-Disposition": `attachment; filename="${filename}"` },
  });
}
