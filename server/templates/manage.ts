import { and, asc, eq, sql } from "drizzle-orm";
import type { Database, Executor } from "../../db/client";
import { campaigns, sequenceSteps, templates } from "../../db/schema";
import { Conflict, IllegalTransition, NotFound } from "../errors";

/** Campaigns whose steps use this template, with their status: the "used by" list. */
export async function templateUsage(db: Executor, id: number) {
  return db.selectDistinct({ id: campaigns.id, name: campaigns.name, status: campaigns.status, archived: sql<boolean>`${campaigns.archivedAt} is not null` })
    .from(sequenceSteps).innerJoin(campaigns, eq(campaigns.id, sequenceSteps.campaignId))
    .where(eq(sequenceSteps.templateId, id)).orderBy(asc(campaigns.name));
}

export async function duplicateTemplate(db: Database, id: number) {
  return db.transaction(async (tx) => {
    const [t] = await tx.select().from(templates).where(eq(templates.id, id));
    if (!t) throw new NotFound("That template does not exist.");
    const stem = t.name.replace(/ \(copy(?: \d+)?\)$/, "").slice(0, 180);
    for (let n = 1; ; n++) {
      const name = n === 1 ? `${stem} (copy)` : `${stem} (copy ${n})`;
      const [clash] = await tx.select({ id: templates.id }).from(templates).where(sql`lower(${templates.name}) = lower(${name})`);
      if (clash) continue;
      const [row] = await tx.insert(templates).values({ name, subject: t.subject, html: t.html, text: t.text }).returning({ id: templates.id, name: templates.name });
      return row!;
    }
  });
}

const LIVE = ["scheduled", "running", "paused"];

/**
 * Deletes a template no campaign uses. A live campaign's use is named first;
 * a draft's or finished campaign's use is named too (its steps point at the
 * template: change them, or delete the draft). Runs keep their own copy.
 */
export async function deleteTemplate(db: Database, id: number) {
  return db.transaction(async (tx) => {
    const [t] = await tx.select().from(templates).where(eq(templates.id, id)).for("update");
    if (!t) throw new NotFound("That template does not exist.");
    const users = await templateUsage(tx, id);
    const live = users.filter((u) => LIVE.includes(u.status));
    if (live.length) throw new IllegalTransition(`"${t.name}" is used by ${live.map((u) => `"${u.name}" (${u.status})`).join(", ")}: a live campaign needs it. Wait until it has finished, or cancel it, then change its steps.`);
    if (users.length) throw new Conflict(`"${t.name}" is used by ${users.map((u) => `"${u.name}" (${u.status})`).join(", ")}: choose another template in ${users.length === 1 ? "its steps" : "their steps"} first.`);
    await tx.delete(templates).where(and(eq(templates.id, id)));
    return { id, name: t.name };
  });
}

/** Leads to preview as: the template's audiences (campaigns that use it), else every lead; searchable by email or name. */
export async function previewLeads(db: Executor, id: number, q?: string) {
  const like = q ? `%${q.replace(/[%_\\]/g, "\\$&")}%` : null;
  const rows = await db.execute<{ id: number; email: string; name: string | null }>(sql`
    with audience as (
      select distinct m.lead_id from sequence_steps s join campaign_lists cl on cl.campaign_id = s.campaign_id join list_members m on m.list_id = cl.list_id
      where s.template_id = ${id}
    )
    select l.id, l.email, nullif(trim(coalesce(l.first_name, '') || ' ' || coalesce(l.last_name, '')), '') as name
    from leads l
    where (not exists (select 1 from audience) or l.id in (select lead_id from audience))
      and (${like}::text is null or l.email ilike ${like} or l.first_name ilike ${like} or l.last_name ilike ${like})
    order by l.email limit 20`);
  const fields = await db.execute<{ key: string }>(sql`
    select distinct k as key from (
      select jsonb_object_keys(l.attributes) as k from leads l
      where l.id in (select m.lead_id from sequence_steps s join campaign_lists cl on cl.campaign_id = s.campaign_id join list_members m on m.list_id = cl.list_id where s.template_id = ${id})
         or not exists (select 1 from sequence_steps where template_id = ${id})
      limit 5000) x order by 1 limit 50`);
  return {
    leads: rows.map((r) => ({ id: Number(r.id), email: r.email, name: r.name })),
    mergeTags: ["first_name", "last_name", "company", "email", ...fields.map((f) => f.key.toLowerCase()).filter((k) => !["first_name", "last_name", "company", "email"].includes(k))],
  };
}
