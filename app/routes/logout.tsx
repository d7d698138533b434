import { redirect, type ActionFunctionArgs } from "@remix-run/node";

export async function action({ context }: ActionFunctionArgs) {
  if (context.user) await context.trpc.auth.logout();
  return redirect("/login", { headers: { "Set-Cookie": context.cookies.cleared() } });
}

export const loader = () => redirect("/campaigns");
