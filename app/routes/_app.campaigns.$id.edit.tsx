import { json, redirect, type ActionFunctionArgs, type LoaderFunctionArgs, type MetaFunction } from "@remix-run/node";
import { Link, useActionData, useLoaderData } from "@remix-run/react";
import { CampaignForm } from "../components/CampaignForm";
import { instantToZoned, settingsFromForm, zonedToInstant } from "../lib/campaign-form.server";
import { attempt, guarded } from "../lib/guard.server";

export const meta: MetaFunction = () => [{ title: "Edit campaign · Herald" }];

export async function loader({ context, request, params }: LoaderFunctionArgs) {
  const campaignId = Number(params.id);
  const [campaign, templates, lists, senders] = await guarded(request, () =>
    Promise.all([context.trpc.campaigns.get({ campaignId }), context.trpc.templates.list(), context.trpc.lists.list(), context.trpc.senders.list()]));
  return json({ campaign, templates, lists, senders, startLocal: instantToZoned(campaign.startAt, campaign.timeZone) });
}

export async function action({ context, request, params }: ActionFunctionArgs) {
  const campaignId = Number(params.id);
  const form = await request.formData();
  const values = settingsFromForm(form);
  const result = await attempt(() => context.trpc.campaigns.update({
    campaignId, expectedVersion: Number(form.get("version")), settings: { ...values, startAt: zonedToInstant(values.startAt, values.timeZone) },
  }));
  if (!result.ok) return json({ error: result.error }, { status: 400 });
  return redirect(`/campaigns/${campaignId}`);
}

export default function EditCampaign() {
  const { campaign: c, templates, lists, senders, startLocal } = useLoaderData<typeof loader>();
  const data = useActionData<typeof action>();
  return (
    <section className="stack">
      <div className="muted small"><Link to={`/campaigns/${c.id}`}>{c.name}</Link> / edit</div>
      <h1>Edit {c.name}</h1>
      <CampaignForm
        options={{ templates, lists, senders }}
        error={data?.error}
        submitLabel="Save changes"
        version={c.version}
        initial={{ ...c, startAt: startLocal, listIds: c.audience.map((l) => l.id), senderIds: c.senders.map((s) => s.id), steps: c.steps }}
      />
    </section>
  );
}
