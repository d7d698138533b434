import { readFileSync } from "node:fs";
import path from "node:path";
import { EmbeddedDatabaseError } from "../db/embedded-process";
import { projectRoot } from "../db/root";
import { DomainError } from "../server/errors";
import { helpText, parse, UsageError } from "./command";
import { COMMANDS as commands } from "./registry";

/** Set by scripts/build-cli.js in the compiled CLI; undefined when the sources run through tsx. */
declare const __HERALD_BUILD__: { version: string; builtAt: string } | undefined;

function version(): string {
  if (typeof __HERALD_BUILD__ !== "undefined") return `herald ${__HERALD_BUILD__.version} (compiled ${__HERALD_BUILD__.builtAt})`;
  const pkg = JSON.parse(readFileSync(path.join(projectRoot(), "package.json"), "utf8")) as { version: string };
  return `herald ${pkg.version} (TypeScript sources through tsx: slower to start; \`npm run build\` compiles them)`;
}

function overview(): string {
  const width = Math.max(...commands.map((c) => c.name.length));
  return [
    "herald: campaign control for outreach teams",
    "",
    "Usage: herald <command> [options]   (herald <command> --help for details; herald --version)",
    "",
    ...commands.map((c) => `  ${c.name.padEnd(width)}  ${c.summary}`),
  ].join("\n");
}

async function main(argv: string[]): Promise<number> {
  if (argv.length === 0 || argv[0] === "--help" || argv[0] === "-h" || argv[0] === "help") {
    console.log(overview());
    return argv.length === 0 ? 1 : 0;
  }
  if (argv[0] === "--version" || argv[0] === "-v") {
    console.log(version());
    return 0;
  }
  // Longest match first, so "user add" wins over a hypothetical "user".
  const entry = [...commands]
    .sort((a, b) => b.name.split(" ").length - a.name.split(" ").length)
    .find((c) => c.name.split(" ").every((word, i) => argv[i] === word));
  if (!entry) {
    console.error(`Unknown command: ${argv.join(" ")}\n\n${overview()}`);
    return 2;
  }
  const command = await entry.load();
  const rest = argv.slice(entry.name.split(" ").length);
  try {
    const args = parse(command, rest);
    if (args.values.help) {
      console.log(helpText(command));
      return 0;
    }
    return (await command.run(args)) ?? 0;
  } catch (error) {
    if (error instanceof UsageError) {
      console.error(`${error.message}\n\n${helpText(command)}`);
      return 2;
    }
    // Loaded here: server/config brings zod, which `herald --help` has no use for.
    const { ConfigError } = await import("../server/config");
    if (error instanceof ConfigError || error instanceof DomainError || error instanceof EmbeddedDatabaseError) {
      console.error(error.message);
      return 1;
    }
    if (process.env.HERALD_DEBUG) throw error;
    console.error(`herald ${entry.name}: ${unexpected(error)}\n(an unexpected error; HERALD_DEBUG=1 herald ${argv.join(" ")} shows where it happened)`);
    return 1;
  }
}

/** One line about an error nobody planned for: the database's or the service's own words, never the SQL that was sent. */
function unexpected(error: unknown): string {
  // Drizzle's query errors quote the whole statement; their cause is what PostgreSQL said.
  const cause = error instanceof Error && error.cause instanceof Error ? error.cause : error;
  const message = cause instanceof Error ? cause.message : String(cause);
  return message.split("\n")[0]!.slice(0, 300);
}

process.exitCode = await main(process.argv.slice(2));
