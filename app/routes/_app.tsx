import { json, type LoaderFunctionArgs } from "@remix-run/node";
import { Form, NavLink, Outlet, useLoaderData } from "@remix-run/react";
import { guarded } from "../lib/guard.server";

export async function loader({ context, request }: LoaderFunctionArgs) {
  const user = await guarded(request, () => context.trpc.auth.me());
  return json({ user, transport: context.app.transport, airtable: context.app.airtable });
}

export default function AppLayout() {
  const { user, transport } = useLoaderData<typeof loader>();
  return (
    <div className="shell">
      <header className="topbar">
        <a href="#main" className="skip">Skip to content</a>
        <NavLink to="/campaigns" className="brand">Herald</NavLink>
        <nav aria-label="Main">
          <NavLink to="/campaigns">Campaigns</NavLink>
          <NavLink to="/analytics">Analytics</NavLink>
          <NavLink to="/templates">Templates</NavLink>
          <NavLink to="/leads">Leads</NavLink>
          <NavLink to="/suppressions">Suppressions</NavLink>
          {transport === "outbox" ? <NavLink to="/outbox">Outbox</NavLink> : null}
          <NavLink to="/sync">Sync</NavLink>
          {user.role === "admin" ? <NavLink to="/team">Team</NavLink> : null}
        </nav>
        <div className="who">
          <NavLink to="/account" title={`${user.email}: your account`}>{user.name || user.email}</NavLink>
          <span className="role">{user.role}</span>
          <Form method="post" action="/logout">
            <button type="submit" className="link">Sign out</button>
          </Form>
        </div>
      </header>
      <main id="main" className="content">
        <Outlet />
      </main>
    </div>
  );
}
