import { json, redirect, type ActionFunctionArgs, type LoaderFunctionArgs, type MetaFunction } from "@remix-run/node";
import { useActionData, useLoaderData } from "@remix-run/react";
import { CampaignForm } from "../components/CampaignForm";
import { settingsFromForm, wallClockToInstant } from "../lib/campaign-form.server";
import { attempt, guarded } from "../lib/guard.server";

export const meta: MetaFunction = () => [{ title: "New campaign · Herald" }];

export async function loader({ context, request }: LoaderFunctionArgs) {
  const [templates, lists, senders] = await guarded(request, () => Promise.all([context.trpc.templates.list(), context.trpc.lists.list(), context.trpc.senders.list()]));
  return json({ templates, lists, senders });
}

export async function action({ context, request }: ActionFunctionArgs) {
  const values = settingsFromForm(await request.formData());
  const start = wallClockToInstant(values.startAt, values.timeZone);
  if (!start.ok) return json({ error: start.error }, { status: 400 });
  const result = await attempt(() => context.trpc.campaigns.create({ ...values, startAt: start.instant }));
  if (!result.ok) return json({ error: result.error }, { status: 400 });
  return redirect(`/campaigns/${result.value.id}`);
}

export default function NewCampaign() {
  const options = useLoaderData<typeof loader>();
  const data = useActionData<typeof action>();
  return (
    <section className="stack">
      <h1>New campaign</h1>
      <CampaignForm
        options={options}
        error={data?.error}
        submitLabel="Create campaign"
        initial={{ name: "", kind: "broadcast", fromName: "", fromEmail: "", replyTo: null, startAt: null, timeZone: "UTC", windowDays: [1, 2, 3, 4, 5, 6, 7], windowStartHour: 0, windowEndHour: 24, throttlePerMinute: 600, listIds: [], senderIds: [], steps: [] }}
      />
    </section>
  );
}

export { RouteErrorBoundary as ErrorBoundary } from "../components/RouteError";
