import { asc, eq, sql } from "drizzle-orm";
import { z } from "zod";
import type { Executor } from "../../db/client";
import { leads, templates } from "../../db/schema";
import { oneLine } from "../campaigns/schema";
import { Conflict, NotFound } from "../errors";
import { mergeDataFor, renderTemplate, tagsIn } from "./render";

export const templateInput = z.object({
  name: oneLine(z.string().trim().min(1, "Give the template a name").max(200), "The name"),
  subject: oneLine(z.string().trim().min(1, "Write a subject").max(500), "The subject"),
  html: z.string().min(1, "Write the HTML body").max(500_000),
  text: z.string().max(500_000).default(""),
});

async function assertNameFree(db: Executor, name: string, exceptId?: number) {
  const [clash] = await db.select({ id: templates.id }).from(templates).where(sql`lower(${templates.name}) = lower(${name})`);
  if (clash && clash.id !== exceptId) throw new Conflict(`A template named "${name}" already exists.`);
}

export async function createTemplate(db: Executor, input: z.input<typeof templateInput>) {
  const t = templateInput.parse(input);
  await assertNameFree(db, t.name);
  const [row] = await db.insert(templates).values(t).returning();
  return row!;
}

export async function updateTemplate(db: Executor, id: number, input: z.input<typeof templateInput>) {
  const t = templateInput.parse(input);
  await assertNameFree(db, t.name, id);
  const [row] = await db.update(templates).set({ ...t, updatedAt: new Date() }).where(eq(templates.id, id)).returning();
  if (!row) throw new NotFound("That template does not exist.");
  return row;
}

/** Email templates (SMS steps keep their bodies in templates of channel sms, shown on their campaign instead). */
export const listTemplates = (db: Executor) => db.select().from(templates).where(eq(templates.channel, "email")).orderBy(asc(templates.name));

export async function getTemplate(db: Executor, id: number) {
  const [row] = await db.select().from(templates).where(eq(templates.id, id));
  if (!row) throw new NotFound("That template does not exist.");
  return row;
}

export const previewInput = z.object({
  templateId: z.number().int().positive().optional(),
  // A draft being typed may be empty: the preview renders what is there, it does not validate the template.
  draft: z.object({ subject: z.string().max(500), html: z.string().max(500_000), text: z.string().max(500_000).default("") }).optional(),
  leadId: z.number().int().positive().optional(),
});

/** Renders a saved template (or an unsaved draft) for one lead: the given one, else the first. */
export async function previewTemplate(db: Executor, input: z.input<typeof previewInput>) {
  const { templateId, draft, leadId } = previewInput.parse(input);
  const parts = draft ?? (templateId ? await getTemplate(db, templateId) : null);
  if (!parts) throw new NotFound("Choose a template to preview.");
  const [lead] = await db.select().from(leads).where(leadId ? eq(leads.id, leadId) : sql`true`).orderBy(asc(leads.id)).limit(1);
  if (leadId && !lead) throw new NotFound("That lead does not exist.");
  const data = lead ? mergeDataFor(lead) : { email: "someone@example.com" };
  return { lead: lead ? { id: lead.id, email: lead.email } : null, tags: tagsIn({ subject: parts.subject, html: parts.html, text: parts.text ?? "" }), ...renderTemplate({ subject: parts.subject, html: parts.html, text: parts.text ?? "" }, data) };
}
