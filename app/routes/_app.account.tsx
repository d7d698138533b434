import { json, redirect, type ActionFunctionArgs, type LoaderFunctionArgs, type MetaFunction } from "@remix-run/node";
import { Form, useActionData, useLoaderData } from "@remix-run/react";
import { attempt, guarded } from "../lib/guard.server";

export const meta: MetaFunction = () => [{ title: "Account · Herald" }];

export async function loader({ context, request }: LoaderFunctionArgs) {
  return json({ me: await guarded(request, () => context.trpc.auth.me()) });
}

export async function action({ context, request }: ActionFunctionArgs) {
  const form = await request.formData();
  if (form.get("intent") === "everywhere") {
    const result = await attempt(() => context.trpc.auth.signOutEverywhere());
    if (!result.ok) return json({ ok: false, message: result.error }, { status: 400 });
    return redirect("/login", { headers: { "Set-Cookie": context.cookies.cleared() } });
  }
  const next = String(form.get("next") ?? "");
  if (next !== String(form.get("confirm") ?? "")) return json({ ok: false, message: "The new password and its confirmation differ." }, { status: 400 });
  const result = await attempt(() => context.trpc.auth.changePassword({ current: String(form.get("current") ?? ""), next }));
  return json(
    result.ok ? { ok: true, message: "Password changed. Your other sessions have ended." } : { ok: false, message: result.error },
    { status: result.ok ? 200 : 400 },
  );
}

export default function Account() {
  const { me } = useLoaderData<typeof loader>();
  const result = useActionData<typeof action>();
  return (
    <section className="stack">
      <h1>Account</h1>
      <p className="muted">Signed in as {me.email} ({me.role}).</p>
      {result ? <p role={result.ok ? "status" : "alert"} className={result.ok ? "notice" : "error"}>{result.message}</p> : null}
      <Form method="post" className="card stack narrow" aria-labelledby="password-title">
        <h2 id="password-title">Change your password</h2>
        <input type="hidden" name="intent" value="password" />
        <label>Current password<input name="current" type="password" required autoComplete="current-password" maxLength={512} /></label>
        <label>New password (10 to 128 characters, not your email)<input name="next" type="password" required minLength={10} maxLength={128} autoComplete="new-password" /></label>
        <label>New password again<input name="confirm" type="password" required minLength={10} maxLength={128} autoComplete="new-password" /></label>
        <div><button type="submit" className="primary">Change password</button></div>
      </Form>
      <Form method="post" className="card stack narrow" aria-labelledby="everywhere-title">
        <h2 id="everywhere-title">Sign out everywhere</h2>
        <p className="muted small">Ends every session of your account, on every browser and device, this one included.</p>
        <input type="hidden" name="intent" value="everywhere" />
        <div><button type="submit">Sign out everywhere</button></div>
      </Form>
    </section>
  );
}

export { RouteErrorBoundary as ErrorBoundary } from "../components/RouteError";
