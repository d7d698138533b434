import { json, redirect, type ActionFunctionArgs, type HeadersFunction, type LoaderFunctionArgs, type MetaFunction } from "@remix-run/node";
import { Form, useActionData, useNavigation, useSearchParams } from "@remix-run/react";
import { attempt, safeNext } from "../lib/guard.server";

export const meta: MetaFunction = () => [{ title: "Sign in · Herald" }];

/** A document answer carries only the headers this passes on: the 429's Retry-After must reach the browser. */
export const headers: HeadersFunction = ({ actionHeaders }) => {
  const retryAfter = actionHeaders.get("Retry-After");
  return retryAfter ? { "Retry-After": retryAfter } : new Headers();
};

export async function loader({ context, request }: LoaderFunctionArgs) {
  if (context.user) throw redirect(safeNext(new URL(request.url).searchParams.get("next")));
  return null;
}

export async function action({ context, request }: ActionFunctionArgs) {
  const form = await request.formData();
  const result = await attempt(() =>
    context.trpc.auth.login({ email: String(form.get("email") ?? ""), password: String(form.get("password") ?? "") }),
  );
  if (!result.ok) {
    if (result.code === "TOO_MANY_REQUESTS") {
      return json({ error: result.error }, { status: 429, headers: { "Retry-After": String(result.retryAfterSeconds ?? 60) } });
    }
    return json({ error: result.error }, { status: result.code === "BAD_REQUEST" ? 400 : 401 });
  }
  const { token, expiresAt } = result.value;
  return redirect(safeNext(String(form.get("next") ?? "")), {
    headers: { "Set-Cookie": context.cookies.session(token, expiresAt) },
  });
}

export default function Login() {
  const data = useActionData<typeof action>();
  const [params] = useSearchParams();
  const busy = useNavigation().state !== "idle";
  return (
    <main className="centered">
      <Form method="post" className="card narrow stack" aria-labelledby="login-title">
        <div className="brand large">Herald</div>
        <h1 id="login-title">Sign in</h1>
        <input type="hidden" name="next" value={params.get("next") ?? ""} />
        <label>
          Email
          <input name="email" type="email" autoComplete="username" required autoFocus maxLength={320} />
        </label>
        <label>
          Password
          <input name="password" type="password" autoComplete="current-password" required maxLength={512} />
        </label>
        {data?.error ? <p role="alert" className="error">{data.error}</p> : null}
        <button type="submit" className="primary" disabled={busy}>{busy ? "Signing in…" : "Sign in"}</button>
      </Form>
    </main>
  );
}
