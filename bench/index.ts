import { chaosBench } from "./chaos";
import { cliBench } from "./cli";
import { engineBench } from "./engine";
import { legacyBench } from "./legacy";
import { describeDefaultServer, load } from "./harness";
import { smsBench } from "./sms";
import { statsBench } from "./stats";
import { syncBench } from "./sync";
import { trackingBench } from "./tracking";
import { uiBench } from "./ui";

const suites: Record<string, () => Promise<void>> = { engine: engineBench, stats: statsBench, tracking: trackingBench, sync: syncBench, ui: uiBench, legacy: legacyBench, chaos: chaosBench, sms: smsBench, cli: cliBench };

const wanted = process.argv.slice(2).filter((a) => !a.startsWith("-"));
const names = wanted.length ? wanted : Object.keys(suites);
for (const name of names) {
  const suite = suites[name];
  if (!suite) {
    console.error(`Unknown benchmark "${name}". Available: ${Object.keys(suites).join(", ")}`);
    process.exit(2);
  }
  console.log(`# ${name} — ${new Date().toISOString()} — ${load()}, Node ${process.version}`);
  // Every figure is read with the server's settings beside it; the engine suite describes each of its servers itself.
  if (name !== "engine") console.log(`\nserver: ${await describeDefaultServer()}`);
  await suite();
}
process.exit(0);
