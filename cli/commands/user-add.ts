import { createInterface } from "node:readline/promises";
import { createUser, roles, type Role } from "../../server/auth/users";
import { boot } from "../boot";
import { requireString, UsageError, type Command } from "../command";

export const userAdd: Command = {
  name: "user add",
  summary: "create a team member who can sign in",
  usage: "herald user add --email EMAIL --role admin|editor|viewer [--name NAME] [--password PASSWORD]",
  options: { email: { type: "string" }, role: { type: "string" }, name: { type: "string" }, password: { type: "string" } },
  details: [
    "--password  when omitted, read from HERALD_PASSWORD or asked for on the terminal",
    "Roles: admin (everything, the team), editor (campaigns, leads, templates), viewer (read only).",
  ],
  async run({ values }) {
    const email = requireString(values, "email");
    const role = requireString(values, "role");
    if (!roles.includes(role as Role)) throw new UsageError(`--role must be one of ${roles.join(", ")}`);
    const password = await askPassword(values);
    const app = await boot();
    try {
      const user = await createUser(app.services.db, { email, role: role as Role, name: (values.name as string) ?? "", password });
      console.log(`Created ${user.role} ${user.email} (id ${user.id}).`);
    } finally {
      await app.shutdown();
    }
  },
};

/** --password, else HERALD_PASSWORD, else asked on the terminal (not echoed to shell history that way). */
export async function askPassword(values: Record<string, unknown>): Promise<string> {
  return (values.password as string | undefined) ?? process.env.HERALD_PASSWORD ?? (await ask("Password: "));
}

async function ask(question: string): Promise<string> {
  if (!process.stdin.isTTY) throw new UsageError("--password is required when not run in a terminal");
  const rl = createInterface({ input: process.stdin, output: process.stdout });
  try {
    return await rl.question(question);
  } finally {
    rl.close();
  }
}
