#!/usr/bin/env node
// The package bin: loads the TypeScript CLI through tsx, so `npx herald` needs no build step.
import { register } from "tsx/esm/api";

register();
await import("../cli/main.ts");
