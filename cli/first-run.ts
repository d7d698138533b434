import { seedDemoHistory } from "../server/demo/history";
import type { Booted } from "./boot";
import { Conflict } from "../server/errors";
import { createFirstAdmin, seedDemoData, userCount } from "../server/demo/seed";

/**
 * What `herald start` does on a database without any account. No account
 * ever has a known password: the embedded default gets an admin with a
 * random password shown once; an external DATABASE_URL gets no account at
 * all, only the command that makes the first admin. Demo data comes with the
 * embedded default, or anywhere with HERALD_DEMO=1.
 * Returns the lines to print once the server is listening.
 */
export async function prepareFirstRun({ services, config, embedded }: Booted): Promise<string[]> {
  if ((await userCount(services.db)) > 0) return [];
  if ((config.demo ?? embedded) && (await seedDemoData(services.db))) {
    // History so Analytics and the campaign pages are not empty on first start; a failure here must not stop start-up.
    await seedDemoHistory(services).catch((error: unknown) => services.log.warn("Demo history not created", { error: String(error) }));
    services.log.info("Demo data created: leads, lists, templates, campaigns, a finished run with opens, clicks and replies, and a paused sequence");
  }
  if (!embedded) {
    return [
      "No account exists yet. Create the first admin (asks for a password):",
      "  npx herald user add --email you@example.com --role admin",
    ];
  }
  const admin = await createFirstAdmin(services.db).catch((error) => {
    if (error instanceof Conflict) return null; // another process made it a moment ago
    throw error;
  });
  if (!admin) return [];
  return [
    `Sign in at ${config.publicUrl}/login as ${admin.email} with the password ${admin.password}`,
    "This password is shown only now. Change it on your Account page, or set one with",
    `  npx herald user set-password --email ${admin.email}`,
  ];
}
