import { engineBench } from "./engine";
import { statsBench } from "./stats";
import { syncBench } from "./sync";
import { trackingBench } from "./tracking";
import { uiBench } from "./ui";

const suites: Record<string, () => Promise<void>> = { engine: engineBench, stats: statsBench, tracking: trackingBench, sync: syncBench, ui: uiBench };

const wanted = process.argv.slice(2).filter((a) => !a.startsWith("-"));
const names = wanted.length ? wanted : Object.keys(suites);
for (const name of names) {
  const suite = suites[name];
  if (!suite) {
    console.error(`Unknown benchmark "${name}". Available: ${Object.keys(suites).join(", ")}`);
    process.exit(2);
  }
  console.log(`# ${name} — ${new Date().toISOString()} — ${(await import("node:os")).cpus().length} cores, Node ${process.version}`);
  await suite();
}
process.exit(0);
