import { json, redirect, type ActionFunctionArgs, type LoaderFunctionArgs, type MetaFunction } from "@remix-run/node";
import { Form, Link, useActionData, useFetcher, useLoaderData } from "@remix-run/react";
import { useEffect, useRef, useState } from "react";
import { ActionButton } from "../components/ConfirmForm";
import { StatusBadge } from "../components/StatusBadge";
import { attempt, guarded } from "../lib/guard.server";
import { trpc } from "../lib/trpc.client";

export const meta: MetaFunction = () => [{ title: "Template · Herald" }];

/** `/templates/new` creates; `/templates/:id` edits. `?preview` renders the posted draft for one lead. */
export async function loader({ context, request, params }: LoaderFunctionArgs) {
  const isNew = params.id === "new";
  const template = isNew ? { id: 0, name: "", subject: "", html: "<p>Hi {{first_name|there}},</p>\n", text: "Hi {{first_name|there}},\n" } : await guarded(request, () => context.trpc.templates.get({ id: Number(params.id) }));
  const [activeRuns, usedBy, previewable] = isNew ? [[], [], { leads: [], mergeTags: ["first_name", "last_name", "company", "email"] }] : await guarded(request, () => Promise.all([
    context.trpc.templates.activeRuns({ id: Number(params.id) }), context.trpc.templates.usedBy({ id: Number(params.id) }), context.trpc.templates.previewLeads({ id: Number(params.id) }),
  ]));
  const url = new URL(request.url);
  return json({ template, isNew, activeRuns, usedBy, previewable, saved: url.searchParams.has("saved"), applied: url.searchParams.get("applied"), canEdit: context.user?.role !== "viewer" });
}

export async function action({ context, request, params }: ActionFunctionArgs) {
  const form = await request.formData();
  const draft = { subject: String(form.get("subject") ?? ""), html: String(form.get("html") ?? ""), text: String(form.get("text") ?? "") };
  if (form.get("intent") === "apply-to-runs") {
    const r = await attempt(() => context.trpc.templates.applyToActiveRuns({ id: Number(params.id) }));
    if (!r.ok) return json({ preview: null, error: r.error }, { status: 400 });
    return redirect(`/templates/${params.id}?applied=${r.value.steps}`);
  }
  if (form.get("intent") === "duplicate") {
    const r = await attempt(() => context.trpc.templates.duplicate({ id: Number(params.id) }));
    return r.ok ? redirect(`/templates/${r.value.id}?saved=1`) : json({ preview: null, error: r.error }, { status: 400 });
  }
  if (form.get("intent") === "delete") {
    const r = await attempt(() => context.trpc.templates.delete({ id: Number(params.id) }));
    return r.ok ? redirect("/templates") : json({ preview: null, error: r.error }, { status: 409 });
  }
  if (form.get("intent") === "preview") {
    const leadId = Number(form.get("leadId")) || undefined;
    const r = await attempt(() => context.trpc.templates.preview({ leadId, draft: { ...draft, subject: draft.subject || " ", html: draft.html || " " } }));
    return json(r.ok ? { preview: r.value, error: null } : { preview: null, error: r.error });
  }
  const template = { ...draft, name: String(form.get("name") ?? "") };
  const r = await attempt(() => (params.id === "new" ? context.trpc.templates.create(template) : context.trpc.templates.update({ id: Number(params.id), template })));
  if (!r.ok) return json({ preview: null, error: r.error }, { status: 400 });
  return redirect(`/templates/${r.value.id}?saved=1`);
}

export default function TemplateEditor() {
  const { template, isNew, canEdit, activeRuns, usedBy, previewable, saved: justSaved, applied } = useLoaderData<typeof loader>();
  const [leadId, setLeadId] = useState<number | null>(previewable.leads[0]?.id ?? null);
  const [leadQuery, setLeadQuery] = useState("");
  const [leadChoices, setLeadChoices] = useState(previewable.leads);
  const html = useRef<HTMLTextAreaElement>(null);
  useEffect(() => {
    if (isNew) return;
    const timer = setTimeout(() => void trpc.templates.previewLeads.query({ id: template.id, q: leadQuery || undefined }).then((r) => {
      setLeadChoices(r.leads);
      // A search previews its first match at once.
      if (leadQuery && r.leads[0]) setLeadId(r.leads[0].id);
    }).catch(() => {}), 250);
    return () => clearTimeout(timer);
  }, [leadQuery]);
  const insertTag = (tag: string) => {
    const el = html.current;
    const at = el?.selectionStart ?? draft.html.length;
    const snippet = `{{${tag}|}}`;
    setDraft({ ...draft, html: draft.html.slice(0, at) + snippet + draft.html.slice(el?.selectionEnd ?? at) });
  };
  const generateText = () => void trpc.templates.plainText.query({ html: draft.html }).then((r) => setDraft({ ...draft, text: r.text }));
  const saved = useActionData<typeof action>();
  const preview = useFetcher<typeof action>();
  const [draft, setDraft] = useState({ subject: template.subject, html: template.html, text: template.text });
  useEffect(() => {
    const timer = setTimeout(() => preview.submit({ intent: "preview", ...draft, leadId: leadId ? String(leadId) : "" }, { method: "post" }), 300);
    return () => clearTimeout(timer);
  }, [draft, leadId]);
  const p = preview.data?.preview;
  return (
    <section className="stack">
      <div className="muted small"><Link to="/templates">Templates</Link></div>
      <div className="page-head">
        <h1>{isNew ? "New template" : template.name}</h1>
        {!isNew && canEdit ? (
          <div className="row">
            <ActionButton intent="duplicate" label="Duplicate" />
            <ActionButton intent="delete" label="Delete" className="danger" confirm={{ title: `Delete “${template.name}”?`, body: "The template is deleted for good. Runs that sent it keep their own copy.", confirmLabel: "Delete template", keepLabel: "Keep it" }} />
          </div>
        ) : null}
      </div>
      {!isNew ? (
        <p className="small" data-testid="used-by">{usedBy.length ? <>Used by {usedBy.map((u, i) => <span key={u.id}>{i ? ", " : ""}<Link to={`/campaigns/${u.id}`}>{u.name}</Link> <StatusBadge status={u.status} /></span>)}</> : <span className="muted">Not used by any campaign.</span>}</p>
      ) : null}
      <p className="muted small">Merge tags: <code>{"{{first_name|there}}"}</code> uses the fallback after <code>|</code> when the lead has no value; any CSV column is a tag too. Values are HTML-escaped.</p>
      {saved?.error ? <p role="alert" className="error">{saved.error}</p> : null}
      {justSaved ? (
        <div role="status" className="notice stack">
          <p>Saved “{template.name}”. {activeRuns.length ? "Runs under way keep the version they started with; the next run of each campaign uses this one:" : "The next run of every campaign that uses it sends this version."}</p>
          {activeRuns.length ? <ul className="small">{activeRuns.map((r) => <li key={`${r.campaign_id}-${r.run_id}-${r.step_number}`}>{r.campaign}, run {r.run_number}, step {r.step_number}</li>)}</ul> : null}
          {activeRuns.length && canEdit ? (
            <Form method="post" onSubmit={(e) => { if (!window.confirm("Change the emails these runs have not sent yet to this version?")) e.preventDefault(); }}>
              <input type="hidden" name="intent" value="apply-to-runs" />
              <button type="submit">Apply this version to those runs too</button>
            </Form>
          ) : null}
        </div>
      ) : null}
      {applied !== null ? <p role="status" className="notice">Applied: {applied} running {applied === "1" ? "step now sends" : "steps now send"} this version to everyone not mailed that step yet.</p> : null}
      <div className="grid">
        <Form method="post" className="card stack">
          <label>Name<input name="name" defaultValue={template.name} required disabled={!canEdit} /></label>
          <label>Subject<input name="subject" value={draft.subject} onChange={(e) => setDraft({ ...draft, subject: e.target.value })} required disabled={!canEdit} /></label>
          <label className="inline small">Insert a merge tag
            <select aria-label="Insert a merge tag" value="" onChange={(e) => { if (e.target.value) insertTag(e.target.value); }} disabled={!canEdit}>
              <option value="">choose a field…</option>
              {previewable.mergeTags.map((t) => <option key={t} value={t}>{t}</option>)}
            </select>
          </label>
          <label>HTML<textarea ref={html} name="html" rows={12} value={draft.html} onChange={(e) => setDraft({ ...draft, html: e.target.value })} disabled={!canEdit} /></label>
          {canEdit ? <div><button type="button" onClick={generateText}>Generate plain text from the HTML</button></div> : null}
          <label>Plain text<textarea name="text" rows={6} value={draft.text} onChange={(e) => setDraft({ ...draft, text: e.target.value })} disabled={!canEdit} /></label>
          {canEdit ? <div><button type="submit" className="primary">{isNew ? "Create template" : "Save"}</button></div> : null}
        </Form>
        <div className="card stack" aria-live="polite">
          <h2>Preview{p?.lead ? <span className="muted small"> for {p.lead.email}</span> : null}</h2>
          {!isNew ? (
            <div className="row">
              <input type="search" value={leadQuery} onChange={(e) => setLeadQuery(e.target.value)} placeholder="Find a lead of the audience" aria-label="Find a lead to preview as" />
              <select aria-label="Preview as" value={leadId ?? ""} onChange={(e) => setLeadId(Number(e.target.value) || null)}>
                {leadChoices.map((l) => <option key={l.id} value={l.id}>{l.email}{l.name ? ` (${l.name})` : ""}</option>)}
              </select>
            </div>
          ) : null}
          {preview.data?.error ? <p className="error">{preview.data.error}</p> : null}
          {preview.data?.error ? null : p ? (
            <>
              <div><span className="muted small">Subject</span><div className="strong">{p.subject}</div></div>
              {p.droppedLinks?.length ? <p role="alert" className="error">{p.droppedLinks.length === 1 ? "One thing was" : `${p.droppedLinks.length} things were`} removed, because emails carry only http(s) and mailto links, images from the web or inline, and no scripts or event handlers: {p.droppedLinks.join(", ")}</p> : null}
              <iframe className="email" title="HTML preview" sandbox="" srcDoc={p.html} />
              <pre className="preview small" style={{ whiteSpace: "pre-wrap" }}>{p.text}</pre>
            </>
          ) : <p className="muted">Rendering…</p>}
        </div>
      </div>
    </section>
  );
}

export { RouteErrorBoundary as ErrorBoundary } from "../components/RouteError";
