// A small HTTP load generator, run in its own process: GETs the given URLs round-robin (redirects not followed)
// over keep-alive connections for `seconds`, with `concurrency` requests in flight.
import { readFileSync } from "node:fs";
import http from "node:http";

const [urlsJson, concurrencyArg, secondsArg] = process.argv.slice(2);
// "@FILE": the URLs are in that file (a long list is too big for a command line).
const urls = JSON.parse(urlsJson!.startsWith("@") ? readFileSync(urlsJson!.slice(1), "utf8") : urlsJson!) as string[];
const concurrency = Number(concurrencyArg);
const until = Date.now() + Number(secondsArg) * 1000;
const agent = new http.Agent({ keepAlive: true, maxSockets: concurrency });
let ok = 0;
let failed = 0;
let next = 0;
const latencies: number[] = [];

function one(): Promise<void> {
  const url = urls[next++ % urls.length]!;
  const t0 = performance.now();
  return new Promise((resolve) => {
    const req = http.get(url, { agent, headers: { "user-agent": "Mozilla/5.0 (X11; Linux x86_64) AppleWebKit/537.36 Chrome/120 Safari/537.36" } }, (res) => {
      res.resume();
      res.on("end", () => {
        if (res.statusCode === 200 || res.statusCode === 302) ok++; // 302: a click's redirect
        else failed++;
        latencies.push(performance.now() - t0);
        resolve();
      });
    });
    req.on("error", () => {
      failed++;
      resolve();
    });
  });
}

async function lane() {
  while (Date.now() < until) await one();
}
const started = performance.now();
await Promise.all(Array.from({ length: concurrency }, lane));
const seconds = (performance.now() - started) / 1000;
latencies.sort((a, b) => a - b);
process.stdout.write(JSON.stringify({ ok, failed, seconds, p50: latencies[Math.floor(latencies.length / 2)], p99: latencies[Math.floor(latencies.length * 0.99)] }));
agent.destroy();
