import { json, type LoaderFunctionArgs, type MetaFunction } from "@remix-run/node";
import { Form, Link, useLoaderData, useSearchParams } from "@remix-run/react";
import { useEffect, useRef } from "react";
import { SmsBubble } from "../components/SmsBubble";
import { When } from "../components/Time";
import { fmtInt } from "../lib/format";
import { guarded } from "../lib/guard.server";

export const meta: MetaFunction = () => [{ title: "Outbox · Herald" }];

export async function loader({ context, request }: LoaderFunctionArgs) {
  const url = new URL(request.url);
  const data = await guarded(request, () => context.trpc.outbox.list({ page: Math.max(1, Number(url.searchParams.get("page")) || 1), search: url.searchParams.get("q") || undefined }));
  return json({ ...data, transport: context.app.transport });
}

export default function Outbox() {
  const { messages, total, page, transport } = useLoaderData<typeof loader>();
  const [params] = useSearchParams();
  const open = Number(params.get("open")) || messages[0]?.id;
  const current = messages.find((m) => m.id === open);
  // On a phone the message sits below the list: an opened one is brought into view. Beside the list (desktop), nothing moves.
  const reader = useRef<HTMLElement>(null);
  const asked = params.get("open");
  useEffect(() => {
    const top = reader.current?.getBoundingClientRect().top;
    if (asked && top !== undefined && top > window.innerHeight) reader.current!.scrollIntoView();
  }, [asked]);
  return (
    <section className="stack">
      <h1>Outbox</h1>
      <p className="muted small">{transport === "outbox" ? "No RESEND_API_KEY is set, so Herald keeps every email here instead of delivering it." : "Resend delivers mail now; these are emails kept while the outbox was in use."} Text messages are kept here while no Twilio credentials are set. {fmtInt(total)} messages.</p>
      <Form method="get" className="toolbar" role="search"><input type="search" name="q" defaultValue={params.get("q") ?? ""} placeholder="Search by recipient" aria-label="Search by recipient" /><button type="submit">Search</button></Form>
      {messages.length ? (
        <div className="split">
          <div className="table-wrap">
            <table className="data">
              <tbody>
                {messages.map((m) => (
                  <tr key={m.id} aria-current={m.id === open ? "true" : undefined}>
                    <td><Link to={`?${new URLSearchParams({ ...Object.fromEntries(params), open: String(m.id) })}`} preventScrollReset className="strong">{m.toAddress}</Link><div className="small">{m.channel === "sms" ? <><span className="badge">SMS</span> {m.text.slice(0, 60)}</> : m.subject}</div><div className="muted small">{<When value={m.createdAt} />}</div></td>
                  </tr>
                ))}
              </tbody>
            </table>
            <nav className="pager small" aria-label="Pages" style={{ padding: ".5rem" }}>
              {page > 1 ? <Link to={`?page=${page - 1}`}>← Newer</Link> : <span />}
              {page * 25 < total ? <Link to={`?page=${page + 1}`}>Older →</Link> : <span />}
            </nav>
          </div>
          {current?.channel === "sms" ? (
            <article ref={reader} className="card stack" aria-label="Message">
              <dl className="facts small"><dt>From</dt><dd>{current.fromAddress}</dd><dt>To</dt><dd>{current.toAddress}</dd></dl>
              <SmsBubble from={current.fromAddress} body={current.text} />
            </article>
          ) : current ? (
            <article ref={reader} className="card stack" aria-label="Message">
              <dl className="facts small">
                <dt>From</dt><dd>{current.fromAddress}</dd><dt>To</dt><dd>{current.toAddress}</dd><dt>Subject</dt><dd className="strong">{current.subject}</dd>
                {Object.entries(current.headers).map(([k, v]) => <div key={k} style={{ display: "contents" }}><dt>{k}</dt><dd style={{ wordBreak: "break-all" }}>{v}</dd></div>)}
              </dl>
              <iframe className="email" title={`Email to ${current.toAddress}`} sandbox="" srcDoc={current.html} />
            </article>
          ) : null}
        </div>
      ) : <div className="empty"><p>Nothing sent yet. Start a campaign and its messages appear here.</p></div>}
    </section>
  );
}

export { RouteErrorBoundary as ErrorBoundary } from "../components/RouteError";
