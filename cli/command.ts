import { parseArgs, type ParseArgsConfig } from "node:util";

export type Options = NonNullable<ParseArgsConfig["options"]>;

export interface Command {
  /** e.g. "migrate" or "user add" */
  name: string;
  summary: string;
  usage: string;
  options?: Options;
  /** Lines explaining each option, shown by --help. */
  details?: string[];
  run(args: { values: Record<string, string | boolean | string[] | undefined>; positionals: string[] }): Promise<number | void>;
}

export class UsageError extends Error {}

export function parse(command: Command, argv: string[]) {
  try {
    return parseArgs({ args: argv, options: { help: { type: "boolean", short: "h" }, ...command.options }, allowPositionals: true, strict: true });
  } catch (error) {
    throw new UsageError((error as Error).message);
  }
}

export function helpText(command: Command): string {
  return [`herald ${command.name}: ${command.summary}`, "", `Usage: ${command.usage}`, ...(command.details?.length ? ["", ...command.details] : [])].join("\n");
}

export function requireString(values: Record<string, unknown>, name: string): string {
  const value = values[name];
  if (typeof value !== "string" || value === "") throw new UsageError(`--${name} is required`);
  return value;
}
