import { json, type ActionFunctionArgs, type LoaderFunctionArgs, type MetaFunction } from "@remix-run/node";
import { Link, useActionData, useLoaderData } from "@remix-run/react";
import { CampaignForm } from "../components/CampaignForm";
import { instantToZoned, settingsFromForm, wallClockToInstant } from "../lib/campaign-form.server";
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
  const start = wallClockToInstant(values.startAt, values.timeZone);
  if (!start.ok) return json({ error: start.error, saved: null }, { status: 400 });
  const result = await attempt(() => context.trpc.campaigns.update({
    campaignId, expectedVersion: Number(form.get("version")), settings: { ...values, startAt: start.instant },
    applyToCurrentRun: form.get("applyToCurrentRun") === "yes",
  }));
  if (!result.ok) return json({ error: result.error, saved: null }, { status: 400 });
  return json({ error: null, saved: result.value.applied });
}

export default function EditCampaign() {
  const { campaign: c, templates, lists, senders, startLocal } = useLoaderData<typeof loader>();
  const data = useActionData<typeof action>();
  return (
    <section className="stack">
      <div className="muted small"><Link to={`/campaigns/${c.id}`}>{c.name}</Link> / edit</div>
      <h1>Edit {c.name}</h1>
      {data?.saved ? <div role="status" className="notice"><p>Saved. {data.saved.filter((x) => x !== "Saved.").join(" ")}</p><p><Link to={`/campaigns/${c.id}`}>Back to the campaign</Link></p></div> : null}
      {c.currentRun && ["SCHEDULED", "SENDING", "PAUSED"].includes(c.currentRun.status) ? (
        <p className="card small">Run {c.currentRun.runNumber} is under way. Its steps, templates and audience stay as they were when it started; the throttle and the From apply at once.
          {" "}<label className="inline"><input type="checkbox" name="applyToCurrentRun" value="yes" form="campaign-form" /> Apply a new sending window or time zone to run {c.currentRun.runNumber} too (its waiting messages move into the new window)</label>
        </p>
      ) : null}
      <CampaignForm
        options={{ templates, lists, senders }}
        error={data?.error}
        submitLabel="Save changes"
        version={c.version}
        initial={{ ...c, startAt: startLocal, listIds: c.audience.map((l) => l.id), senderIds: [...c.senders, ...c.smsSenders].map((s) => s.id), steps: c.steps }}
      />
    </section>
  );
}

export { RouteErrorBoundary as ErrorBoundary } from "../components/RouteError";
