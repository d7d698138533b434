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
  /** Twilio (SMS). Without an account SID and auth token, text messages land in the Outbox like email does. */
  TWILIO_ACCOUNT_SID: z.preprocess((v) => (v === "" ? undefined : v), z.string().regex(/^AC[0-9a-fA-F]{32}$/, "must be the AC… account SID from Twilio's console").optional()),
  TWILIO_AUTH_TOKEN: optionalString,
  /** Sender numbers (E.164, comma-separated; rotated by message), or a Messaging Service SID (MG…) that picks them itself. */
  TWILIO_FROM_NUMBERS: optionalString,
  TWILIO_MESSAGING_SERVICE_SID: z.preprocess((v) => (v === "" ? undefined : v), z.string().regex(/^MG[0-9a-fA-F]{32}$/, "must be a Messaging Service SID (MG…)").optional()),
  /** Tests point the SDK at a local fake; unset in production (api.twilio.com). */
  TWILIO_BASE_URL: optionalUrl,
  /** Messages a second per sender number (a US long code: 1) and for the whole account, paced across every worker. */
  TWILIO_NUMBER_MPS: z.coerce.number().positive().max(10_000).default(1),
  TWILIO_ACCOUNT_MPS: z.coerce.number().positive().max(10_000).default(100),
  /** Country of phone numbers written without a country code (ISO 3166 alpha-2, e.g. GB); unset: such numbers are refused. */
  SMS_DEFAULT_COUNTRY: z.preprocess((v) => (v === "" ? undefined : v), z.string().regex(/^[A-Z]{2}$/, "must be a two-letter country code like GB").optional()),
  /** How long after a text was handed over Herald keeps asking Twilio for its price (null until Twilio sets it); then it stops and the text stays unpriced. */
  TWILIO_PRICE_WAIT_HOURS: z.coerce.number().positive().max(24 * 30).default(48),
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
  /** Where text messages go: Twilio when its credentials are set, else the Outbox. */
  smsTransport: "twilio" | "outbox";
  /** What an SMS is sent from: sender numbers (rotated) or one Messaging Service. */
  smsSenders: { numbers: string[]; messagingServiceSid: string | null };
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
  const numbers = (e.TWILIO_FROM_NUMBERS ?? "").split(",").map((n) => n.trim()).filter(Boolean);
  const smsProblems: string[] = [];
  if (Boolean(e.TWILIO_ACCOUNT_SID) !== Boolean(e.TWILIO_AUTH_TOKEN)) smsProblems.push("TWILIO_ACCOUNT_SID and TWILIO_AUTH_TOKEN: set both, or neither (then text messages go to the Outbox)");
  if (e.TWILIO_ACCOUNT_SID && !numbers.length && !e.TWILIO_MESSAGING_SERVICE_SID) smsProblems.push("TWILIO_FROM_NUMBERS or TWILIO_MESSAGING_SERVICE_SID: Twilio needs a sender number or a Messaging Service");
  for (const n of numbers) if (!/^\+[1-9][0-9]{6,14}$/.test(n)) smsProblems.push(`TWILIO_FROM_NUMBERS: "${n}" is not an E.164 number like +14155550123`);
  if (smsProblems.length) throw new ConfigError(smsProblems);
  return {
    ...e,
    publicUrl: (e.PUBLIC_URL ?? `http://localhost:${e.PORT}`).replace(/\/$/, ""),
    demo: e.HERALD_DEMO ?? e.HERALD_DEMO_DATA,
    transport: e.RESEND_API_KEY ? "resend" : "outbox",
    smsTransport: e.TWILIO_ACCOUNT_SID && e.TWILIO_AUTH_TOKEN ? "twilio" : "outbox",
    smsSenders: { numbers, messagingServiceSid: e.TWILIO_MESSAGING_SERVICE_SID ?? null },
    airtable: e.AIRTABLE_TOKEN ? "on" : "off",
  };
}
