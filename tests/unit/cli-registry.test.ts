import { describe, expect, it } from "vitest";
import { COMMANDS } from "../../cli/registry";

describe("the herald command list", () => {
  it("lists every command with the summary and name the command itself has, so `herald --help` never lies", async () => {
    for (const entry of COMMANDS) {
      const command = await entry.load();
      expect({ name: command.name, summary: command.summary }).toEqual({ name: entry.name, summary: entry.summary });
    }
  });
});
