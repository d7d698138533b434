import { afterAll, describe, expect, it } from "vitest";
import { getCampaign } from "../../server/campaigns/campaigns";
import { transitionCampaign } from "../../server/campaigns/lifecycle";
import { startWorker, type WorkerHandle } from "../../jobs/runner";
import { useTestDatabase } from "../helpers/db";
import { campaignFactory, emailStatuses } from "../helpers/engine";

const t = useTestDatabase();
let worker: WorkerHandle | undefined;
afterAll(() => worker?.stop());

describe("stopping the worker (Ctrl-C)", () => {
  it("does not wait for a sending lane's 20 s turn: it stops within a few seconds and leaves the run running for the next worker", async () => {
    // 120 a minute: two emails a second, so the lanes sleep on the throttle and would hold their jobs for 20 s.
    const c = await campaignFactory(t.services, { recipients: 200, settings: { throttlePerMinute: 120 } });
    const { runId } = await transitionCampaign(t.services.db, c.id, "start", { source: "app" });
    worker = await startWorker(t.services, t.url, { concurrency: 4, pollInterval: 100 });
    const sentSoFar = async () => (await emailStatuses(t.services, runId!)).sent ?? 0;
    for (const end = Date.now() + 15_000; (await sentSoFar()) === 0 && Date.now() < end; ) await new Promise((r) => setTimeout(r, 100));
    expect(await sentSoFar()).toBeGreaterThan(0);

    const asked = Date.now();
    await worker.stop();
    expect(Date.now() - asked).toBeLessThan(4_000);

    const atStop = await sentSoFar();
    expect(atStop).toBeLessThan(200);
    expect((await getCampaign(t.services.db, c.id)).status).toBe("running");
  }, 40_000);
});
