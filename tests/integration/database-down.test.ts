import { sql } from "drizzle-orm";
import postgres from "postgres";
import { afterAll, beforeAll, describe, expect, inject, it } from "vitest";
import { createDb } from "../../db/client";
import { transitionCampaign } from "../../server/campaigns/lifecycle";
import { createLogger } from "../../server/lib/log";
import { outboxTransport } from "../../server/sending/outbox-transport";
import { sendRun } from "../../server/sending/send-run";
import type { Services } from "../../server/services";
import { signClick } from "../../server/tracking/links";
import { deliverWebhook, webhookSecret } from "../fakes/resend-webhooks";
import { createTestDatabase, testConfig } from "../helpers/db";
import { campaignFactory } from "../helpers/engine";
import { startTestServer } from "../helpers/http";

/**
 * The public endpoints while the database is unreachable: every request gets
 * an answer (no hang, no unhandled rejection), and nothing that was not
 * recorded is answered as if it had been. (Unsubscribe and webhook answers can
 * take up to ~20 s: the pool's reconnect backoff while the database is down.)
 */
const secret = webhookSecret();
let database: Awaited<ReturnType<typeof createTestDatabase>>;
let services: Services;
let close: () => Promise<void>;
let server: Awaited<ReturnType<typeof startTestServer>>;
let admin: postgres.Sql;
let sent: { campaignId: number; emailId: number; headers: Record<string, string>; html: string };
const rejections: unknown[] = [];
const onRejection = (reason: unknown) => rejections.push(reason);

/** Stops new connections to the test database and ends the open ones, as a database restart or outage does. */
async function takeDatabaseDown() {
  await admin.unsafe(`alter database "${database.name}" with allow_connections false`);
  await admin`select pg_terminate_backend(pid) from pg_stat_activity where datname = ${database.name} and pid <> pg_backend_pid()`;
}
const bringDatabaseBack = () => admin.unsafe(`alter database "${database.name}" with allow_connections true`);

beforeAll(async () => {
  process.on("unhandledRejection", onRejection);
  database = await createTestDatabase();
  const config = testConfig({ DATABASE_URL: database.url, RESEND_WEBHOOK_SECRET: secret });
  const made = createDb(database.url, { max: 4 });
  close = made.close;
  services = { config, db: made.db, log: createLogger("silent"), secret: config.HERALD_SECRET! };
  server = await startTestServer(services);
  admin = postgres(inject("adminUrl"), { max: 1, onnotice: () => {} });

  const c = await campaignFactory(services, { recipients: 1 });
  const run = await transitionCampaign(services.db, c.id, "start", { source: "app" });
  await sendRun(services, outboxTransport, c.id, run.runId!, { workerId: "w" });
  const [m] = await services.db.execute<{ scheduled_email_id: number; headers: Record<string, string>; html: string }>(sql`
    select scheduled_email_id, headers, html from outbox_messages where campaign_id = ${c.id}`);
  sent = { campaignId: c.id, emailId: m!.scheduled_email_id, headers: m!.headers, html: m!.html };
});

afterAll(async () => {
  process.off("unhandledRejection", onRejection);
  await bringDatabaseBack();
  await server.close();
  await close();
  await admin.end({ timeout: 5 });
  await database.drop();
});

const local = (url: string) => url.replace("http://localhost:3000", server.base);

// Each request may wait up to 45 s on a busy machine (the fetches allow it); the test's own limit must not be shorter.
describe("with the database unreachable", { timeout: 150_000 }, () => {
  it("a webhook is answered 503 (so Resend retries it), and the retry is recorded once the database is back", async () => {
    const event = {
      type: "email.delivered", created_at: new Date().toISOString(),
      data: { email_id: "re_1", to: ["x@example.com"], tags: { herald_campaign: String(sent.campaignId), herald_email: String(sent.emailId) } },
    };
    await takeDatabaseDown();
    const failed = await deliverWebhook(`${server.base}/webhooks/resend`, secret, event);
    expect(failed.status).toBe(503);
    expect(failed.body.error).toBe("Herald could not record this webhook right now; retry later.");

    await bringDatabaseBack();
    const retried = await deliverWebhook(`${server.base}/webhooks/resend`, secret, event, { id: failed.id });
    expect(retried).toMatchObject({ status: 200, body: { message: "recorded delivered" } });
    expect(rejections).toEqual([]);
  });

  it("an unsubscribe says plainly that nothing changed, with a 5xx a mail app retries", async () => {
    const url = local(sent.headers["List-Unsubscribe"]!.slice(1, -1));
    await takeDatabaseDown();
    try {
      const oneClick = await fetch(url, { method: "POST", body: new URLSearchParams({ "List-Unsubscribe": "One-Click" }), signal: AbortSignal.timeout(45_000) });
      expect(oneClick.status).toBe(503);
      expect(await oneClick.text()).toBe("unsubscribe not recorded; retry later");
      const person = await fetch(url, { method: "POST", signal: AbortSignal.timeout(45_000) });
      expect(person.status).toBe(503);
      const text = await person.text();
      expect(text).toContain("We could not unsubscribe you right now");
      expect(text).not.toMatch(/select|postgres|Error:/i);
      const confirmPage = await fetch(url, { signal: AbortSignal.timeout(45_000) });
      expect(confirmPage.status).toBe(503);
      expect(await confirmPage.text()).toContain("Nothing was changed");
    } finally {
      await bringDatabaseBack();
    }
    const [n] = await services.db.execute<{ n: number }>(sql`select count(*)::int as n from suppressions`);
    expect(n!.n).toBe(0);
    expect(rejections).toEqual([]);
  });

  it("the open pixel and click redirect still answer (the hit is lost, the reader is not stuck)", async () => {
    const pixel = local(/src="([^"]+\/o\/[^"]+)"/.exec(sent.html)![1]!);
    const link = `${server.base}/c/${signClick(services.secret, sent.campaignId, sent.emailId, "https://example.com/pricing")}`;
    await takeDatabaseDown();
    try {
      const started = Date.now();
    const gif = await fetch(pixel, { signal: AbortSignal.timeout(45_000) });
      expect(gif.status).toBe(200);
      expect(gif.headers.get("content-type")).toBe("image/gif");
      const click = await fetch(link, { redirect: "manual", signal: AbortSignal.timeout(45_000) });
      expect(click.status).toBe(302);
      expect(click.headers.get("location")).toBe("https://example.com/pricing");
      expect(Date.now() - started).toBeLessThan(15_000); // each waits at most 3 s for the database
    } finally {
      await bringDatabaseBack();
    }
    expect(rejections).toEqual([]);
  });
});
