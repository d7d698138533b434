import { randomBytes } from "node:crypto";
import { sql } from "drizzle-orm";
import { afterAll, beforeAll, beforeEach, expect } from "vitest";
import { createCampaign } from "../../server/campaigns/campaigns";
import { importLeadsCsv } from "../../server/leads/csv-import";
import { outboxTransport } from "../../server/sending/outbox-transport";
import { sendRun } from "../../server/sending/send-run";
import type { Transport } from "../../server/sending/transport";
import { channelTransport } from "../../server/sms/channel-transport";
import { twilioTransport } from "../../server/sms/twilio-transport";
import { startTwilioFake } from "../fakes/twilio";
import type { TestDatabase } from "./db";
import { templateFactory } from "./engine";
import { startTestServer } from "./http";

export const ACCOUNT = `AC${"0123456789abcdef".repeat(2)}`;
export const TOKEN = "fake_twilio_auth_token_0123456789";
export const FROM = "+15005550006";
/** The environment of a test database whose texts go to Twilio (the fake, once `useSms` has started it). */
export const TWILIO_ENV = { TWILIO_ACCOUNT_SID: ACCOUNT, TWILIO_AUTH_TOKEN: TOKEN, TWILIO_FROM_NUMBERS: FROM, TWILIO_NUMBER_MPS: "200", TWILIO_ACCOUNT_MPS: "1000" };

const unique = () => randomBytes(3).toString("hex");

/**
 * Texts through the real twilio SDK to the Twilio fake, with Herald's web
 * server taking the fake's signed status callbacks and inbound texts, as a
 * deployment does (PUBLIC_URL, TWILIO_BASE_URL). Registers its hooks.
 */
export function useSms(t: TestDatabase, options: { numbers?: number } = {}) {
  const h = {} as { fake: Awaited<ReturnType<typeof startTwilioFake>>; server: Awaited<ReturnType<typeof startTestServer>>; transport: Transport };
  let nextNumber = 3000 + (options.numbers ?? 0);
  beforeAll(async () => {
    h.fake = await startTwilioFake({ accountSid: ACCOUNT, authToken: TOKEN, numbers: [FROM], mps: 200 });
    h.server = await startTestServer(t.services, { TWILIO_AUTH_TOKEN: TOKEN });
    t.services.config = { ...t.services.config, PUBLIC_URL: h.server.base, publicUrl: h.server.base, TWILIO_BASE_URL: h.fake.url };
    h.fake.state.inboundUrl = `${h.server.base}/webhooks/twilio/inbound`;
    h.transport = channelTransport(outboxTransport, twilioTransport(t.services.db, { accountSid: ACCOUNT, authToken: TOKEN, baseUrl: h.fake.url, numberMps: 200, accountMps: 1000 }));
  });
  afterAll(async () => {
    await h.server?.close();
    await h.fake?.close();
  });
  beforeEach(async () => {
    Object.assign(h.fake.state, { failNext: [], dropAfterAccept: 0, onAccepted: null, callbacks: "auto", mps: 200, priceDelayMs: 30_000 });
    await t.services.db.execute(sql`delete from rate_limits`);
  });

  return {
    get fake() { return h.fake; },
    get server() { return h.server; },
    /** Valid, distinct US numbers (San Francisco): +1 415 555 3xxx. */
    phone: () => `+1415555${nextNumber++}`,
    /** Leads imported through the real CSV importer; `phones[i]` null: a lead without a phone. */
    async audience(phones: Array<string | null>) {
      const prefix = `p-${unique()}`;
      const rows = phones.map((p, i) => `${prefix}-${i}@example.com,Name${i},${p ?? ""}`);
      const report = await importLeadsCsv(t.services.db, ["email,first_name,phone", ...rows].join("\n"), { listName: `sms-${unique()}` });
      expect(report.rejected).toEqual([]);
      return { listId: report.list!.id, emails: rows.map((r) => r.split(",")[0]!) };
    },
    /** A campaign of these steps (texts stop on reply only when asked), everything due at once. */
    async campaign(listId: number, steps: Array<"email" | "sms">, options: { stopOnReply?: boolean; smsBody?: string } = {}) {
      const template = await templateFactory(t.services);
      const name = `sms-numbers-${unique()}`;
      const { id } = await createCampaign(t.services.db, {
        name, kind: steps.length > 1 ? "sequence" : "broadcast", fromEmail: "team@herald.test", fromName: "Herald", listIds: [listId],
        throttlePerMinute: 1_000_000,
        steps: steps.map((channel) => (channel === "email"
          ? { channel, templateId: template.id, delayMinutes: 0, stopOnReply: options.stopOnReply ?? false }
          : { channel, smsBody: options.smsBody ?? "Hi {{first_name|there}}, a quick text from Herald.", delayMinutes: 0, stopOnReply: options.stopOnReply ?? false })),
      });
      return { id, name };
    },
    /** Sends until the run completes, then waits for every status callback to be answered (unless `flush` is false: callbacks "manual" then wait for flushCallbacks). */
    async runToEnd(campaignId: number, runId: number, { flush = true } = {}) {
      for (let i = 0; i < 30; i++) {
        const result = await sendRun(t.services, h.transport, campaignId, runId, { workerId: `lane-${i}` });
        const [run] = await t.services.db.execute<{ status: string }>(sql`select status from campaign_runs where id = ${runId}`);
        if (result.outcome === "completed" || run?.status === "COMPLETED") {
          if (flush) await h.fake.flushCallbacks();
          return;
        }
      }
      throw new Error("the run did not complete");
    },
  };
}
