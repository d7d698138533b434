import { readSessionToken, userForSession } from "../auth/sessions";
import type { PublicUser } from "../auth/users";
import type { Services } from "../services";

export interface Context {
  services: Services;
  user: PublicUser | null;
  sessionToken: string | undefined;
  userAgent: string | undefined;
  /** The client's address as Express sees it (behind a loopback proxy, X-Forwarded-For). */
  clientAddress: string | undefined;
}

/** One context for every entry point: the /api/trpc route and Remix loaders (through createCaller). */
export async function createContext(services: Services, headers: Headers, clientAddress?: string): Promise<Context> {
  const sessionToken = readSessionToken(headers.get("cookie"));
  const user = await userForSession(services.db, sessionToken);
  return { services, user, sessionToken, userAgent: headers.get("user-agent") ?? undefined, clientAddress };
}
