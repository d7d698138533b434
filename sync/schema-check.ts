import type { AirtableBase } from "./client";
import type { TableSpec } from "./schema";

interface MetaTable {
  id: string;
  name: string;
  fields: Array<{ id: string; name: string; type: string }>;
}

export interface SchemaProblem {
  table: string;
  field?: string;
  problem: string;
}

/** Names every table and field the base lacks, or has with the wrong type. */
export async function checkSchema(base: AirtableBase, spec: TableSpec[]): Promise<SchemaProblem[]> {
  const { tables } = await base.meta<{ tables: MetaTable[] }>("GET", "");
  const problems: SchemaProblem[] = [];
  for (const want of spec) {
    const have = tables.find((t) => t.name === want.name);
    if (!have) {
      problems.push({ table: want.name, problem: `table "${want.name}" is missing` });
      continue;
    }
    for (const field of want.fields) {
      const f = have.fields.find((x) => x.name === field.name);
      if (!f) problems.push({ table: want.name, field: field.name, problem: `field "${field.name}" (${field.type}) is missing from "${want.name}"` });
      else if (f.type !== field.type) problems.push({ table: want.name, field: field.name, problem: `field "${field.name}" in "${want.name}" is ${f.type}, Herald needs ${field.type}` });
    }
  }
  return problems;
}

/** Creates what is missing through the Meta API; answers what it created. */
export async function initSchema(base: AirtableBase, spec: TableSpec[]): Promise<string[]> {
  const created: string[] = [];
  const { tables } = await base.meta<{ tables: MetaTable[] }>("GET", "");
  const toApi = (field: TableSpec["fields"][number], table: { fields: Array<{ id: string; name: string }> }) => {
    if (field.type !== "lastModifiedTime") return field;
    const names = (field.options?.referencedFieldNames as string[] | undefined) ?? [];
    return { name: field.name, type: field.type, options: { referencedFieldIds: names.map((n) => table.fields.find((f) => f.name === n)?.id).filter(Boolean) } };
  };
  for (const want of spec) {
    let table = tables.find((t) => t.name === want.name);
    if (!table) {
      const plain = want.fields.filter((f) => f.type !== "lastModifiedTime");
      table = await base.meta<MetaTable>("POST", "", { name: want.name, fields: plain });
      created.push(`table "${want.name}"`);
    }
    for (const field of want.fields) {
      if (table.fields.some((f) => f.name === field.name)) continue;
      const made = await base.meta<{ id: string; name: string; type: string }>("POST", `/${table.id}/fields`, toApi(field, table));
      table.fields.push(made);
      created.push(`field "${field.name}" in "${want.name}"`);
    }
  }
  return created;
}
