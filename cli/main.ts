import { EmbeddedDatabaseError } from "../db/embedded-process";
import { ConfigError } from "../server/config";
import { DomainError } from "../server/errors";
import { helpText, parse, UsageError } from "./command";
import { COMMANDS as commands } from "./registry";

function overview(): string {
  const width = Math.max(...commands.map((c) => c.name.length));
  return [
    "herald: campaign control for outreach teams",
    "",
    "Usage: herald <command> [options]   (herald <command> --help for details)",
    "",
    ...commands.map((c) => `  ${c.name.padEnd(width)}  ${c.summary}`),
  ].join("\n");
}

async function main(argv: string[]): Promise<number> {
  if (argv.length === 0 || argv[0] === "--help" || argv[0] === "-h" || argv[0] === "help") {
    console.log(overview());
    return argv.length === 0 ? 1 : 0;
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
    if (error instanceof ConfigError || error instanceof DomainError || error instanceof EmbeddedDatabaseError) {
      console.error(error.message);
      return 1;
    }
    throw error;
  }
}

process.exitCode = await main(process.argv.slice(2));
