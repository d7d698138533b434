import { json, type ActionFunctionArgs, type LoaderFunctionArgs, type MetaFunction } from "@remix-run/node";
import { Form, useActionData, useLoaderData } from "@remix-run/react";
import { fmtInt } from "../lib/format";
import { attempt, guarded } from "../lib/guard.server";

export const meta: MetaFunction = () => [{ title: "Senders · Herald" }];

export async function loader({ context, request }: LoaderFunctionArgs) {
  const senders = await guarded(request, () => context.trpc.senders.list());
  return json({ senders, canEdit: context.user?.role !== "viewer" });
}

/** A number typed in a form: empty or not a number stays NaN, which the router's schema refuses with a sentence. */
const formNumber = (v: FormDataEntryValue | null) => (v === null || String(v).trim() === "" ? Number.NaN : Number(v));

export async function action({ context, request }: ActionFunctionArgs) {
  const form = await request.formData();
  const intent = String(form.get("intent") ?? "");
  const result = await attempt(async () => {
    if (intent === "cap") {
      const s = await context.trpc.senders.setDailyCap({ id: Number(form.get("id")), dailyCap: formNumber(form.get("dailyCap")) });
      return `${s.fromEmail ?? s.smsSender} may now send ${fmtInt(s.dailyCap)} a day.`;
    }
    if (intent === "sms") {
      const s = await context.trpc.senders.createSms({ sender: String(form.get("sender") ?? ""), dailyCap: formNumber(form.get("dailyCap")) });
      return `Added the SMS sender ${s.smsSender} (${fmtInt(s.dailyCap)} a day). Choose it in a campaign's form.`;
    }
    const s = await context.trpc.senders.create({ fromEmail: String(form.get("fromEmail") ?? ""), fromName: String(form.get("fromName") ?? ""), dailyCap: formNumber(form.get("dailyCap")) });
    return `Added the email sender ${s.fromEmail} (${fmtInt(s.dailyCap)} a day). Choose it in a campaign's form.`;
  });
  return json(result.ok ? { ok: true, intent, message: result.value } : { ok: false, intent, message: result.error }, { status: result.ok ? 200 : 400 });
}

type Row = ReturnType<typeof useLoaderData<typeof loader>>["senders"][number];

function Usage({ s }: { s: Row }) {
  const full = s.sentToday >= s.dailyCap;
  return (
    <>
      <progress max={s.dailyCap} value={Math.min(s.sentToday, s.dailyCap)} aria-label={`${s.address}: ${s.sentToday} of ${s.dailyCap} sent today`} />
      <div className="small" data-testid="usage">{fmtInt(s.sentToday)} of {fmtInt(s.dailyCap)} today{full ? <> · <span className="badge badge-paused">at cap</span></> : null}</div>
    </>
  );
}

function CapForm({ s }: { s: Row }) {
  return (
    <Form method="post" className="toolbar" aria-label={`Daily cap of ${s.address}`}>
      <input type="hidden" name="intent" value="cap" /><input type="hidden" name="id" value={s.id} />
      <input name="dailyCap" type="number" min={1} max={1_000_000} required defaultValue={s.dailyCap} aria-label={`Daily cap of ${s.address}`} style={{ width: "8rem" }} />
      <button type="submit">Save</button>
    </Form>
  );
}

export default function Senders() {
  const { senders, canEdit } = useLoaderData<typeof loader>();
  const result = useActionData<typeof action>();
  const email = senders.filter((s) => s.channel === "email");
  const sms = senders.filter((s) => s.channel === "sms");
  const table = (rows: Row[], label: string, head: string) => (
    <div className="table-wrap">
      <table className="data" aria-label={label}>
        <thead><tr><th scope="col">{head}</th><th scope="col">Sent today (UTC)</th><th scope="col">Daily cap</th><th scope="col" className="num">Campaigns</th></tr></thead>
        <tbody>
          {rows.map((s) => (
            <tr key={s.id}>
              <td>{s.address}{s.fromName ? <div className="muted small">{s.fromName}</div> : null}{s.configured ? <div className="muted small">from Herald's configuration</div> : null}</td>
              <td><Usage s={s} /></td>
              <td>{canEdit ? <CapForm s={s} /> : fmtInt(s.dailyCap)}</td>
              <td className="num">{fmtInt(s.campaigns)}</td>
            </tr>
          ))}
        </tbody>
      </table>
    </div>
  );
  return (
    <section className="stack">
      <h1>Senders</h1>
      <p className="muted small">
        Who campaigns send from, each with a daily cap (days in UTC). A campaign rotates across the senders it chose that still have
        capacity today; once all of them reach their cap, the rest waits for tomorrow and the run page says so. Nothing is dropped
        and no sender goes over its cap. A campaign that chooses no SMS sender texts from the senders in Herald's configuration.
      </p>
      {result ? <p role={result.ok ? "status" : "alert"} className={result.ok ? "notice" : "error"}>{result.message}</p> : null}

      <h2>SMS senders</h2>
      {sms.length ? table(sms, "SMS senders", "Twilio number or Messaging Service") : <div className="empty"><p>No SMS senders yet.</p></div>}
      {canEdit ? (
        <Form method="post" className="toolbar" aria-label="Add an SMS sender">
          <input type="hidden" name="intent" value="sms" />
          <label>Twilio number or Messaging Service SID<input name="sender" required placeholder="+14155550100 or MG…" /></label>
          <label>Daily cap<input name="dailyCap" type="number" min={1} max={1_000_000} required defaultValue={1000} /></label>
          <button type="submit">Add SMS sender</button>
        </Form>
      ) : null}

      <h2>Email senders</h2>
      {email.length ? table(email, "Email senders", "Address") : <div className="empty"><p>No email sender identities yet: campaigns send from the address on their form.</p></div>}
      {canEdit ? (
        <Form method="post" className="toolbar" aria-label="Add an email sender">
          <input type="hidden" name="intent" value="email" />
          <label>Address<input name="fromEmail" type="email" required placeholder="hello@example.com" /></label>
          <label>Name<input name="fromName" placeholder="optional" /></label>
          <label>Daily cap<input name="dailyCap" type="number" min={1} max={1_000_000} required defaultValue={1000} /></label>
          <button type="submit">Add email sender</button>
        </Form>
      ) : null}
    </section>
  );
}

export { RouteErrorBoundary as ErrorBoundary } from "../components/RouteError";
