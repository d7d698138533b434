import { randomBytes } from "node:crypto";
import { sql } from "drizzle-orm";
import type { CampaignSettingsInput } from "../../server/campaigns/schema";
import { createCampaign } from "../../server/campaigns/campaigns";
import { importLeadsCsv } from "../../server/leads/csv-import";
import type { Services } from "../../server/services";
import { createTemplate } from "../../server/templates/templates";

const unique = () => randomBytes(3).toString("hex");

/** `count` leads on a new list, imported through the real CSV importer. */
export async function audienceFactory(services: Services, count: number, options: { timeZone?: string; prefix?: string } = {}) {
  const listName = `list-${unique()}`;
  const prefix = options.prefix ?? `lead-${unique()}`;
  const rows = Array.from({ length: count }, (_, i) => `${prefix}-${i}@example.com,Name${i},Co${i % 7},${options.timeZone ?? ""}`);
  const report = await importLeadsCsv(services.db, ["email,first_name,company,time_zone", ...rows].join("\n"), { listName });
  return { listId: report.list!.id, listName, emails: rows.map((r) => r.split(",")[0]!) };
}

export async function templateFactory(services: Services, overrides: { subject?: string; html?: string } = {}) {
  return createTemplate(services.db, {
    name: `template-${unique()}`,
    subject: overrides.subject ?? "Hello {{first_name|there}}",
    html: overrides.html ?? "<p>Hi {{first_name|there}} from {{company|your company}}</p>",
    text: "Hi {{first_name|there}}",
  });
}

/** A campaign over a fresh audience; sequence steps get one template each. */
export async function campaignFactory(services: Services, options: { recipients?: number; steps?: Array<{ delayMinutes: number; stopOnReply?: boolean }>; settings?: Partial<CampaignSettingsInput> } = {}) {
  const audience = await audienceFactory(services, options.recipients ?? 5);
  const steps = options.steps ?? [{ delayMinutes: 0 }];
  const templates = await Promise.all(steps.map(() => templateFactory(services)));
  const campaign = await createCampaign(services.db, {
    name: `campaign-${unique()}`,
    kind: steps.length > 1 ? "sequence" : "broadcast",
    fromEmail: "team@herald.test",
    fromName: "Herald Test",
    listIds: [audience.listId],
    steps: steps.map((s, i) => ({ templateId: templates[i]!.id, delayMinutes: s.delayMinutes, stopOnReply: s.stopOnReply ?? true })),
    throttlePerMinute: 1_000_000,
    ...options.settings,
  });
  return { id: campaign.id, audience, templates };
}

/** Status counts of a run's scheduled emails, e.g. { sent: 10, pending: 5 }. */
export async function emailStatuses(services: Services, runId: number): Promise<Record<string, number>> {
  const rows = await services.db.execute<{ status: string; n: number }>(sql`select status, count(*)::int as n from scheduled_emails where run_id = ${runId} group by status`);
  return Object.fromEntries(rows.map((r) => [r.status, r.n]));
}
