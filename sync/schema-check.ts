import type { AirtableBase } from "./client";
import { COMPUTED_TYPES, type TableSpec } from "./schema";

interface MetaTable {
  id: string;
  name: string;
  fields: Array<{ id: string; name: string; type: string }>;
}

export interface SchemaProblem {
  table: string;
  field?: string;
  problem: string;
  /** A field Herald does not need, that only a person can add: a hint, not a failure. */
  optional?: boolean;
}

/** Names every table and field the base lacks, or has with the wrong type (wrong types always count, optional or not). */
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
      if (!f && field.manual) problems.push({ table: want.name, field: field.name, optional: true, problem: `optional field "${field.name}" is not there. ${field.manual}.` });
      else if (!f) problems.push({ table: want.name, field: field.name, problem: `field "${field.name}" (${field.type}) is missing from "${want.name}"` });
      else if (f.type !== field.type) problems.push({ table: want.name, field: field.name, problem: `field "${field.name}" in "${want.name}" is ${f.type}, Herald needs ${field.type}: change its type in Airtable (or rename it and run \`herald airtable init\` again)` });
    }
  }
  return problems;
}

export interface InitResult {
  created: string[];
  /** Exact steps a person must take (fields the Meta API cannot create). */
  manual: string[];
  /** Existing fields of the wrong type: init cannot fix them and fails. */
  wrong: string[];
}

/**
 * Creates what is missing through the Meta API, never a computed field type
 * (real Airtable refuses them); names the manual steps and the fields of the
 * wrong type.
 */
export async function initSchema(base: AirtableBase, spec: TableSpec[]): Promise<InitResult> {
  const result: InitResult = { created: [], manual: [], wrong: [] };
  const { tables } = await base.meta<{ tables: MetaTable[] }>("GET", "");
  const creatable = (f: TableSpec["fields"][number]) => !f.manual && !COMPUTED_TYPES.includes(f.type);
  const plain = (f: TableSpec["fields"][number]) => ({ name: f.name, type: f.type, ...(f.description ? { description: f.description } : {}), ...(f.options ? { options: f.options } : {}) });
  for (const want of spec) {
    let table = tables.find((t) => t.name === want.name);
    if (!table) {
      table = await base.meta<MetaTable>("POST", "", { name: want.name, fields: want.fields.filter(creatable).map(plain) });
      result.created.push(`table "${want.name}"`);
    }
    for (const field of want.fields) {
      const have = table.fields.find((f) => f.name === field.name);
      if (have) {
        if (have.type !== field.type) result.wrong.push(`field "${field.name}" in "${want.name}" is ${have.type}, Herald needs ${field.type}: change its type in Airtable`);
        continue;
      }
      if (!creatable(field)) {
        result.manual.push(field.manual ?? `In "${want.name}" add a field "${field.name}" of type ${field.type}`);
        continue;
      }
      const made = await base.meta<{ id: string; name: string; type: string }>("POST", `/${table.id}/fields`, plain(field));
      table.fields.push(made);
      result.created.push(`field "${field.name}" in "${want.name}"`);
    }
  }
  return result;
}
