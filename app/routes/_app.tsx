import { json, type LoaderFunctionArgs } from "@remix-run/node";
import { Form, NavLink, Outlet, useLoaderData, useLocation } from "@remix-run/react";
import { useEffect, useState } from "react";
import { guarded } from "../lib/guard.server";

export async function loader({ context, request }: LoaderFunctionArgs) {
  const user = await guarded(request, () => context.trpc.auth.me());
  return json({ user, transport: context.app.transport, airtable: context.app.airtable });
}

export default function AppLayout() {
  const { user, transport } = useLoaderData<typeof loader>();
  // On a phone the navigation folds into a menu; following a link closes it.
  const [menuOpen, setMenuOpen] = useState(false);
  const { pathname } = useLocation();
  useEffect(() => setMenuOpen(false), [pathname]);
  return (
    <div className="shell">
      <header className="topbar">
        <a href="#main" className="skip">Skip to content</a>
        <NavLink to="/campaigns" className="brand">Herald</NavLink>
        <button type="button" className="menu-button" aria-expanded={menuOpen} aria-controls="main-nav" onClick={() => setMenuOpen(!menuOpen)}>Menu</button>
        <nav aria-label="Main" id="main-nav" data-open={menuOpen ? "true" : undefined}>
          <NavLink to="/campaigns">Campaigns</NavLink>
          <NavLink to="/analytics">Analytics</NavLink>
          <NavLink to="/templates">Templates</NavLink>
          <NavLink to="/senders">Senders</NavLink>
          <NavLink to="/leads">Leads</NavLink>
          <NavLink to="/suppressions">Suppressions</NavLink>
          {transport === "outbox" ? <NavLink to="/outbox">Outbox</NavLink> : null}
          <NavLink to="/sync">Sync</NavLink>
          {user.role === "admin" ? <NavLink to="/team">Team</NavLink> : null}
        </nav>
        <div className="who" data-open={menuOpen ? "true" : undefined}>
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
