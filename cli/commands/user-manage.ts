import { findUserByEmail, setDisabled, setPassword } from "../../server/auth/users";
import { boot } from "../boot";
import { requireString, type Command } from "../command";
import { askPassword } from "./user-add";

export const userSetPassword: Command = {
  name: "user set-password",
  summary: "set a team member's password (ends their sessions)",
  usage: "herald user set-password --email EMAIL [--password PASSWORD]",
  options: { email: { type: "string" }, password: { type: "string" } },
  details: [
    "--password  when omitted, read from HERALD_PASSWORD or asked for on the terminal",
    "Every session of the member ends: they sign in again with the new password.",
  ],
  async run({ values }) {
    const email = requireString(values, "email");
    const password = await askPassword(values);
    const app = await boot();
    try {
      const user = await findUserByEmail(app.services.db, email);
      await setPassword(app.services.db, user.id, password);
      console.log(`Set a new password for ${user.email}; their sessions have ended.`);
    } finally {
      await app.shutdown();
    }
  },
};

const toggle = (disabled: boolean): Command => ({
  name: disabled ? "user disable" : "user enable",
  summary: disabled ? "stop a team member from signing in (ends their sessions at once)" : "let a disabled team member sign in again",
  usage: `herald user ${disabled ? "disable" : "enable"} --email EMAIL`,
  options: { email: { type: "string" } },
  async run({ values }) {
    const email = requireString(values, "email");
    const app = await boot();
    try {
      const user = await findUserByEmail(app.services.db, email);
      await setDisabled(app.services.db, user.id, disabled);
      console.log(disabled ? `Disabled ${user.email}; their sessions have ended.` : `Enabled ${user.email}; they can sign in again.`);
    } finally {
      await app.shutdown();
    }
  },
});

export const userDisable = toggle(true);
export const userEnable = toggle(false);
