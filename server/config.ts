import { z } from "zod";

const bool = z
  .enum(["1", "0", "true", "false", "yes", "no", "on", "off", ""])
  .transform((v) => ["1", "true", "yes", "on"].includes(v));
const optionalUrl = z.preprocess((v) => (v === "" ? undefined : v), z.url().optional());
const optionalString = z.preprocess((v) => (v === "" ? undefined : v), z.string().optional());

/** `whsec_` followed by a base64 key of at least 16 bytes: an empty or stub key would make any signature "valid". */
function validWebhookSecret(value: string): boolean {
  const m = /^whsec_([A-Za-z0-9+/]+={0,2})$/.exec(value.trim());
  return !!m && Buffer.from(m[1]!, "base64").length >= 16;
}

const schema = z.object({
  NODE_ENV: z.enum(["development", "production", "test"]).default("development"),
  PORT: z.coerce.number().int().min(1).max(65535).default(3000),
  /** Unset: 127.0.0.1 with the embedded database (a laptop demo), 0.0.0.0 with DATABASE_URL. */
  HOST: optionalString,
  PUBLIC_URL: optionalUrl,
  DATABASE_URL: optionalUrl,
  HERALD_DATA_DIR: z.string().default(".herald"),
  HERALD_EMBEDDED_PG_PORT: z.coerce.number().int().min(1024).max(65535).default(54329),
  HERALD_SECRET: z.preprocess(
    (v) => (v === "" ? undefined : v),
    z.string().min(32, "must be at least 32 characters").refine((v) => new Set(v).size >= 5 && !/\s/.test(v), "must be random (e.g. `openssl rand -base64 32`), without spaces").optional(),
  ),
  /** Demo data: on by default only for the embedded database on a fresh install. HERALD_DEMO is the short name. */
  HERALD_DEMO_DATA: bool.optional(),
  HERALD_DEMO: bool.optional(),
  HERALD_IN_PROCESS_WORKER: bool.default(true),
  WORKER_CONCURRENCY: z.coerce.number().int().min(1).max(64).default(4),
  SEND_BATCH_SIZE: z.coerce.number().int().min(1).max(100).default(100),
  RESEND_API_KEY: optionalString,
  RESEND_BASE_URL: optionalUrl,
  RESEND_RPS: z.coerce.number().positive().max(1000).default(2),
  RESEND_WEBHOOK_SECRET: z.preprocess(
    (v) => (v === "" ? undefined : v),
    z.string().refine(validWebhookSecret, "must be the whsec_… signing secret from Resend's webhook page (the key after whsec_ is missing or too short)").optional(),
  ),
  AIRTABLE_TOKEN: optionalString,
  AIRTABLE_ENDPOINT_URL: optionalUrl,
  AIRTABLE_CONTROL_BASE_ID: optionalString,
  AIRTABLE_PERFORMANCE_BASE_ID: optionalString,
  HERALD_AIRTABLE_SANDBOX: bool.default(false),
  EVENT_RETENTION_MONTHS: z.coerce.number().int().min(1).max(240).default(24),
  LOG_LEVEL: z.enum(["debug", "info", "warn", "error", "silent"]).default("info"),
});

export type Env = z.infer<typeof schema>;

export interface Config extends Env {
  publicUrl: string;
  /** HERALD_DEMO or HERALD_DEMO_DATA when set; undefined means "the default for this kind of database". */
  demo: boolean | undefined;
  transport: "resend" | "outbox";
  airtable: "on" | "off";
}

export class ConfigError extends Error {
  constructor(public readonly problems: string[]) {
    super(`Herald cannot start: invalid configuration.\n${problems.map((p) => `  - ${p}`).join("\n")}`);
    this.name = "ConfigError";
  }
}

/** Parses the environment once; a bad value names its variable. */
export function loadConfig(env: Record<string, string | undefined> = process.env): Config {
  const parsed = schema.safeParse(env);
  if (!parsed.success) {
    throw new ConfigError(
      parsed.error.issues.map((issue) => {
        const name = issue.path.join(".");
        const value = env[name];
        const shown = value === undefined || /SECRET|KEY|TOKEN|PASSWORD/.test(name) ? "" : ` (got "${value}")`;
        return `${name}: ${issue.message}${shown}`;
      }),
    );
  }
  const e = parsed.data;
  return {
    ...e,
    publicUrl: (e.PUBLIC_URL ?? `http://localhost:${e.PORT}`).replace(/\/$/, ""),
    demo: e.HERALD_DEMO ?? e.HERALD_DEMO_DATA,
    transport: e.RESEND_API_KEY ? "resend" : "outbox",
    airtable: e.AIRTABLE_TOKEN ? "on" : "off",
  };
}
