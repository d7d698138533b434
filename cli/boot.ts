import path from "node:path";
import { createDb } from "../db/client";
import { startEmbeddedPostgres } from "../db/embedded";
import { migrateDatabase, migrationsPending } from "../db/migrate";
import { loadConfig, type Config } from "../server/config";
import { DomainError } from "../server/errors";
import { seedConfiguredSmsSenders } from "../server/senders/identities";
import { createLogger, type Logger } from "../server/lib/log";
import { resolveSecret, type Services } from "../server/services";

export interface Booted {
  services: Services;
  config: Config;
  databaseUrl: string;
  embedded: boolean;
  shutdown(): Promise<void>;
}

/**
 * Shared start-up for every command: configuration, the database (embedded
 * when DATABASE_URL is unset), migrations, the services object.
 */
export async function boot(options: { migrate?: boolean | "check"; log?: Logger; poolSize?: number } = {}): Promise<Booted> {
  const config = loadConfig();
  const log = options.log ?? createLogger(config.LOG_LEVEL);
  let databaseUrl = config.DATABASE_URL;
  let stopEmbedded = async () => {};
  if (!databaseUrl) {
    const embedded = await startEmbeddedPostgres({
      dataDir: path.join(config.HERALD_DATA_DIR, "pg"),
      preferredPort: config.HERALD_EMBEDDED_PG_PORT,
      database: "herald",
      log: (line) => log.info(line),
    });
    databaseUrl = embedded.url;
    stopEmbedded = embedded.stop;
    if (!embedded.owned) log.info("Using the embedded PostgreSQL another Herald process started");
  }
  const { sql, db, close } = createDb(databaseUrl, { max: options.poolSize ?? 10 });
  try {
    // Read-only commands only check (one query) instead of taking the migration lock and reading every migration file.
    if (options.migrate === "check") {
      if (await migrationsPending(sql)) throw new DomainError("The database needs migrating first: run `npx herald migrate` (or start Herald once).");
    } else if (options.migrate !== false) {
      await migrateDatabase(databaseUrl);
      // The configured SMS senders become sender identities, with caps and usage like any other (decision 045).
      const seeded = await seedConfiguredSmsSenders(db, config);
      if (seeded) log.info(`${seeded} configured SMS sender${seeded === 1 ? "" : "s"} added on the Senders page (set their daily caps there)`);
    }
  } catch (error) {
    await close();
    await stopEmbedded();
    throw error;
  }
  const secret = await resolveSecret(db, config);
  return {
    services: { config, db, log, secret },
    config,
    databaseUrl,
    embedded: !config.DATABASE_URL,
    async shutdown() {
      await close();
      await stopEmbedded();
    },
  };
}
