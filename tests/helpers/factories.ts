import { randomBytes } from "node:crypto";
import { createUser, type Role } from "../../server/auth/users";
import { createContext } from "../../server/trpc/context";
import { login, SESSION_COOKIE } from "../../server/auth/sessions";
import { createCaller } from "../../server/routers/root";
import type { Services } from "../../server/services";

const unique = () => randomBytes(4).toString("hex");

export async function userFactory(services: Services, overrides: { role?: Role; email?: string; password?: string } = {}) {
  const password = overrides.password ?? "correct horse battery";
  const user = await createUser(services.db, {
    email: overrides.email ?? `user-${unique()}@example.com`,
    role: overrides.role ?? "editor",
    name: "Test User",
    password,
  });
  return { ...user, password };
}

/** A tRPC caller signed in as a new user of the given role, through a real session. */
export async function callerAs(services: Services, role: Role | null) {
  if (!role) return createCaller(await createContext(services, new Headers()));
  const user = await userFactory(services, { role });
  const session = await login(services.db, user.email, user.password);
  const headers = new Headers({ cookie: `${SESSION_COOKIE}=${session.token}` });
  return createCaller(await createContext(services, headers));
}
