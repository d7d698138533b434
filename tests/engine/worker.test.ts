import { sql } from "drizzle-orm";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { getCampaign } from "../../server/campaigns/campaigns";
import { transitionCampaign } from "../../server/campaigns/lifecycle";
import { dryRun } from "../../server/sending/dry-run";
import { kickSending } from "../../server/sending/schedule";
import { startWorker, type WorkerHandle } from "../../jobs/runner";
import { useTestDatabase } from "../helpers/db";
import { campaignFactory } from "../helpers/engine";

const t = useTestDatabase();
let worker: WorkerHandle;
beforeAll(async () => {
  worker = await startWorker(t.services, t.url, { concurrency: 4, pollInterval: 100 });
});
afterAll(() => worker.stop());

async function until<T>(fn: () => Promise<T>, ok: (v: T) => boolean, ms = 20_000): Promise<T> {
  const end = Date.now() + ms;
  for (;;) {
    const v = await fn();
    if (ok(v) || Date.now() > end) return v;
    await new Promise((r) => setTimeout(r, 100));
  }
}

describe("graphile-worker", () => {
  it("picks up the send jobs that starting a campaign enqueued in its own transaction, and completes the run", async () => {
    const c = await campaignFactory(t.services, { recipients: 300 });
    await transitionCampaign(t.services.db, c.id, "start", { source: "app" });
    const done = await until(() => getCampaign(t.services.db, c.id), (x) => x.status === "completed");
    expect(done).toMatchObject({ status: "completed", sent: 300 });
    expect(done.currentRun).toMatchObject({ status: "COMPLETED", sent: 300 });
  });

  it("a start that is rolled back leaves no job behind (the dry run starts a draft inside a rolled-back transaction)", async () => {
    const c = await campaignFactory(t.services, { recipients: 5 });
    const preview = await dryRun(t.services, c.id);
    expect(preview).toMatchObject({ wouldStart: true, due: 5 });
    const [jobs] = await t.services.db.execute<{ n: number }>(
      sql`select count(*)::int as n from graphile_worker._private_jobs j join graphile_worker._private_tasks k on k.id = j.task_id where k.identifier = 'send-run' and j.payload->>'campaignId' = ${String(c.id)}`,
    );
    expect(jobs!.n).toBe(0);
    expect((await getCampaign(t.services.db, c.id)).status).toBe("draft");
  });

  it("kicks while the lanes work add no job: exactly two lanes per run, each job with its own worker id, and the run completes", async () => {
    const c = await campaignFactory(t.services, { recipients: 100, settings: { throttlePerMinute: 600 } });
    const { runId } = await transitionCampaign(t.services.db, c.id, "start", { source: "app" });
    const lanes = () => t.services.db.execute<{ worker_id: string }>(sql`select worker_id from send_lanes where run_id = ${runId} and worker_id is not null and lease_until > now()`);
    await until(lanes, (l) => l.length === 2);
    for (let i = 0; i < 5; i++) await kickSending(t.services);
    const [jobs] = await t.services.db.execute<{ n: number }>(sql`select count(*)::int as n from graphile_worker._private_jobs where key like ${`send-run:${runId}:%`}`);
    expect(jobs!.n).toBe(2);
    const holders = (await lanes()).map((l) => l.worker_id);
    expect(new Set(holders).size).toBe(holders.length);
    const done = await until(() => getCampaign(t.services.db, c.id), (x) => x.status === "completed", 40_000);
    expect(done.currentRun).toMatchObject({ status: "COMPLETED", sent: 100 });
  }, 60_000);
});
