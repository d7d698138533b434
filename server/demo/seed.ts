import { randomBytes } from "node:crypto";
import { count } from "drizzle-orm";
import type { Database } from "../../db/client";
import { campaignLists, campaigns, campaignSenders, leads, listMembers, lists, senderIdentities, sequenceSteps, templates, users } from "../../db/schema";
import { createUser } from "../auth/users";

/** The first admin of a fresh embedded install. Its password is random and shown once; there is no known password. */
export const FIRST_ADMIN_EMAIL = "admin@herald.local";

const firstNames = ["Ada", "Grace", "Linus", "Margaret", "Ken", "Barbara", "Dennis", "Frances", "Tim", "Radia", "Edsger", "Shafi"];
const companies = ["Acme", "Globex", "Initech", "Umbrella", "Hooli", "Stark", "Wayne", "Tyrell"];
const zones = ["Europe/Berlin", "America/New_York", "America/Los_Angeles", "Asia/Tokyo", null];

export async function userCount(db: Database): Promise<number> {
  const [row] = await db.select({ n: count() }).from(users);
  return row?.n ?? 0;
}

/** Creates the first admin with a random password, only while there is no user at all; returns the password once. */
export async function createFirstAdmin(db: Database): Promise<{ email: string; password: string } | null> {
  if ((await userCount(db)) > 0) return null;
  const password = randomBytes(12).toString("base64url");
  await createUser(db, { email: FIRST_ADMIN_EMAIL, name: "Admin", role: "admin", password });
  return { email: FIRST_ADMIN_EMAIL, password };
}

/** Demo leads, lists, templates and campaigns, only into an installation without campaigns. Creates no account. */
export async function seedDemoData(db: Database): Promise<boolean> {
  const [existing] = await db.select({ n: count() }).from(campaigns);
  if ((existing?.n ?? 0) > 0) return false;
  await db.transaction(async (tx) => {
    const leadRows = await tx
      .insert(leads)
      .values(
        Array.from({ length: 48 }, (_, i) => ({
          email: `${firstNames[i % firstNames.length]!.toLowerCase()}.${i}@example.com`,
          firstName: firstNames[i % firstNames.length]!,
          lastName: `Demo${i}`,
          company: companies[i % companies.length]!,
          timeZone: zones[i % zones.length],
        })),
      )
      .returning({ id: leads.id });
    const [partners, newsletter] = await tx
      .insert(lists)
      .values([{ name: "Design partners", description: "Teams trying Herald early" }, { name: "Newsletter", description: "Everyone who asked for updates" }])
      .returning({ id: lists.id });
    await tx.insert(listMembers).values([
      ...leadRows.slice(0, 12).map((l) => ({ listId: partners!.id, leadId: l.id })),
      ...leadRows.map((l) => ({ listId: newsletter!.id, leadId: l.id })),
    ]);
    const [intro, followUp, lastCall, update] = await tx
      .insert(templates)
      .values([
        { name: "Intro", subject: "Quick question, {{first_name|there}}", html: "<p>Hi {{first_name|there}},</p><p>Would {{company|your team}} like to try Herald?</p>", text: "Hi {{first_name|there}},\n\nWould {{company|your team}} like to try Herald?" },
        { name: "Follow-up", subject: "Re: Quick question", html: "<p>Hi {{first_name|there}}, just bumping this up.</p>", text: "Hi {{first_name|there}}, just bumping this up." },
        { name: "Last call", subject: "Closing the loop", html: "<p>No worries if now is not the time, {{first_name|there}}.</p>", text: "No worries if now is not the time, {{first_name|there}}." },
        { name: "Product update", subject: "What's new in November", html: "<h1>November update</h1><p>Hello {{first_name|there}}, here is what shipped.</p>", text: "November update\n\nHello {{first_name|there}}, here is what shipped." },
      ])
      .returning({ id: templates.id });
    const [sender] = await tx.insert(senderIdentities).values({ fromEmail: "hello@herald.local", fromName: "Herald Demo", dailyCap: 2000 }).returning({ id: senderIdentities.id });
    const [sequence, broadcast] = await tx
      .insert(campaigns)
      .values([
        { name: "Design partner outreach", kind: "sequence", fromEmail: "hello@herald.local", fromName: "Herald Demo", timeZone: "Europe/Berlin", windowDays: [1, 2, 3, 4, 5], windowStartHour: 9, windowEndHour: 17, throttlePerMinute: 60 },
        { name: "November product update", kind: "broadcast", fromEmail: "hello@herald.local", fromName: "Herald Demo", timeZone: "UTC" },
      ])
      .returning({ id: campaigns.id });
    await tx.insert(sequenceSteps).values([
      { campaignId: sequence!.id, stepNumber: 1, templateId: intro!.id, delayMinutes: 0 },
      { campaignId: sequence!.id, stepNumber: 2, templateId: followUp!.id, delayMinutes: 3 * 24 * 60 },
      { campaignId: sequence!.id, stepNumber: 3, templateId: lastCall!.id, delayMinutes: 7 * 24 * 60 },
      { campaignId: broadcast!.id, stepNumber: 1, templateId: update!.id, delayMinutes: 0, stopOnReply: false },
    ]);
    await tx.insert(campaignLists).values([{ campaignId: sequence!.id, listId: partners!.id }, { campaignId: broadcast!.id, listId: newsletter!.id }]);
    await tx.insert(campaignSenders).values([{ campaignId: sequence!.id, senderId: sender!.id }, { campaignId: broadcast!.id, senderId: sender!.id }]);
  });
  return true;
}
