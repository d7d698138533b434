import { json, type ActionFunctionArgs, type LoaderFunctionArgs, type MetaFunction } from "@remix-run/node";
import { When } from "../components/Time";
import { Form, useActionData, useLoaderData } from "@remix-run/react";
import { attempt, guarded } from "../lib/guard.server";

export const meta: MetaFunction = () => [{ title: "Team · Herald" }];
const roles = ["admin", "editor", "viewer"] as const;
type Role = (typeof roles)[number];
const asRole = (v: FormDataEntryValue | null): Role => (roles.includes(v as Role) ? (v as Role) : "viewer");

export async function loader({ context, request }: LoaderFunctionArgs) {
  return json({ users: await guarded(request, () => context.trpc.users.list()), me: context.user!.id });
}

const done: Record<string, string> = {
  role: "Role changed.", create: "Member added.", reset: "Password set; their sessions have ended.",
  disable: "Member disabled; they were signed out everywhere.", enable: "Member enabled; they can sign in again.",
};

export async function action({ context, request }: ActionFunctionArgs) {
  const form = await request.formData();
  const intent = String(form.get("intent") ?? "create");
  const userId = Number(form.get("userId"));
  const result = await attempt(() => {
    switch (intent) {
      case "role": return context.trpc.users.setRole({ userId, role: asRole(form.get("role")) });
      case "reset": return context.trpc.users.resetPassword({ userId, password: String(form.get("password") ?? "") });
      case "disable": return context.trpc.users.disable({ userId });
      case "enable": return context.trpc.users.enable({ userId });
      default: return context.trpc.users.create({ email: String(form.get("email") ?? ""), name: String(form.get("name") ?? ""), role: asRole(form.get("role")), password: String(form.get("password") ?? "") });
    }
  });
  return json(result.ok ? { ok: true, message: done[intent] ?? "Saved." } : { ok: false, message: result.error }, { status: result.ok ? 200 : 400 });
}

export default function Team() {
  const { users, me } = useLoaderData<typeof loader>();
  const result = useActionData<typeof action>();
  return (
    <section className="stack">
      <h1>Team</h1>
      {result ? <p role={result.ok ? "status" : "alert"} className={result.ok ? "notice" : "error"}>{result.message}</p> : null}
      <div className="table-wrap">
        <table className="data">
          <thead><tr><th scope="col">Member</th><th scope="col">Role</th><th scope="col">Since</th><th scope="col">Access</th></tr></thead>
          <tbody>
            {users.map((u) => (
              <tr key={u.id}>
                <td>
                  <div className="strong">{u.name || u.email}</div><div className="muted small">{u.email}</div>
                  {u.disabledAt ? <div className="small error">disabled {<When value={u.disabledAt} />}</div> : null}
                </td>
                <td>
                  <Form method="post" className="row">
                    <input type="hidden" name="intent" value="role" /><input type="hidden" name="userId" value={u.id} />
                    <select name="role" defaultValue={u.role} aria-label={`Role of ${u.email}`} disabled={u.id === me}>{roles.map((r) => <option key={r}>{r}</option>)}</select>
                    {u.id === me ? <span className="muted small">you</span> : <button type="submit">Change</button>}
                  </Form>
                </td>
                <td className="small">{<When value={u.createdAt} />}</td>
                <td>
                  {u.id === me ? <span className="muted small">change yours on the Account page</span> : (
                    <div className="stack">
                      <Form method="post" className="row">
                        <input type="hidden" name="intent" value="reset" /><input type="hidden" name="userId" value={u.id} />
                        <input name="password" type="password" minLength={10} maxLength={128} required autoComplete="new-password" aria-label={`New password for ${u.email}`} placeholder="New password" />
                        <button type="submit">Set password</button>
                      </Form>
                      <Form method="post">
                        <input type="hidden" name="intent" value={u.disabledAt ? "enable" : "disable"} /><input type="hidden" name="userId" value={u.id} />
                        <button type="submit" aria-label={`${u.disabledAt ? "Enable" : "Disable"} ${u.email}`}>{u.disabledAt ? "Enable" : "Disable"}</button>
                      </Form>
                    </div>
                  )}
                </td>
              </tr>
            ))}
          </tbody>
        </table>
      </div>
      <Form method="post" className="card stack narrow" aria-labelledby="add-title">
        <h2 id="add-title">Add a team member</h2>
        <input type="hidden" name="intent" value="create" />
        <label>Email<input name="email" type="email" required /></label>
        <label>Name<input name="name" /></label>
        <label>Role<select name="role" defaultValue="editor">{roles.map((r) => <option key={r}>{r}</option>)}</select></label>
        <label>Initial password (10 to 128 characters, not the email)<input name="password" type="password" minLength={10} maxLength={128} required autoComplete="new-password" /></label>
        <div><button type="submit" className="primary">Add member</button></div>
      </Form>
    </section>
  );
}

export { RouteErrorBoundary as ErrorBoundary } from "../components/RouteError";
