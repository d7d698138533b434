/** The tables and fields Herald expects in each base (and `herald airtable init` creates). */
export interface FieldSpec {
  name: string;
  type: string;
  options?: Record<string, unknown>;
  /** Shown under the field's name in Airtable: what a count counts, what a rate divides. Set when `airtable init` creates the field. */
  description?: string;
  /** Optional, and only a person can add it (the Meta API refuses computed types): `airtable init` prints how. */
  manual?: string;
}

/** Field types the Meta API refuses to create (computed fields); a person can still add them in the UI. */
export const COMPUTED_TYPES = ["autoNumber", "button", "count", "createdBy", "createdTime", "externalSyncSource", "formula", "lastModifiedBy", "lastModifiedTime", "multipleLookupValues", "rollup"];
export interface TableSpec {
  name: string;
  fields: FieldSpec[];
}

export const AIRTABLE_STATUSES = ["Draft", "Scheduled", "Active", "Paused", "Completed", "Cancelled", "Failed"] as const;
export type AirtableStatus = (typeof AIRTABLE_STATUSES)[number];

const count = (name: string, description?: string): FieldSpec => ({ name, type: "number", options: { precision: 0 }, ...(description ? { description } : {}) });
const percent = (name: string, description?: string): FieldSpec => ({ name, type: "percent", options: { precision: 1 }, ...(description ? { description } : {}) });
const metrics = [count("Sent"), count("Delivered"), count("Failed"), count("Opened"), count("Clicked"), count("Replied"), count("Bounced"), count("Unsubscribed"), percent("Open Rate"), percent("Click Rate"), percent("Reply Rate"), percent("Bounce Rate"),
  // Machine opens and clicks left out (docs/decisions/020); empty where people cannot be told from machines (legacy totals).
  count("Human Opened"), count("Human Clicked"), percent("Human Open Rate"), percent("Human Click Rate"), percent("Human Click-to-Open")];
/** What each SMS rate divides (docs/decisions/047): people, like the email rates. */
export const SMS_RATE_BASES = {
  delivery: "People with a delivered text / people texted (each person once per run)",
  reply: "People who replied by text / people texted",
  optOut: "People who texted STOP / people texted",
} as const;
/** Text messages in the Control base (docs/decisions/040), named as the outreach team's SMS engine named them; rates over people texted. */
const smsMetrics = [count("Total Sent", "Texts Twilio accepted"), count("Total Delivered", "Texts delivered"), count("Total Failed", "Texts refused, undelivered or failed"),
  count("Total Replies", "People who replied by text"), count("Total Opt Outs", "People who texted STOP"), count("People Texted", "People with at least one text accepted: the base of the SMS rates"),
  percent("Delivery Rate", SMS_RATE_BASES.delivery), percent("Opt Out Rate", SMS_RATE_BASES.optOut)];
/** Text messages in the Performance base, per day (people counted on the day first texted / first delivered to) and cost as Twilio priced the texts. */
const smsKpis = [count("People Texted", "People first texted that day (at least one text accepted)"), count("Texts Sent", "Texts Twilio accepted"), count("Texts Delivered", "Texts delivered"),
  count("Texts Failed", "Texts refused, undelivered or failed"), count("SMS Replies", "People who replied by text"), count("SMS Opt Outs", "People who texted STOP"),
  percent("SMS Delivery Rate", SMS_RATE_BASES.delivery), percent("SMS Reply Rate", SMS_RATE_BASES.reply), percent("SMS Opt Out Rate", SMS_RATE_BASES.optOut),
  { name: "SMS Cost", type: "number", options: { precision: 5 }, description: "What Twilio charged for the texts handed over that day, in SMS Cost Currency (texts Twilio has not priced yet are not in it)" },
  { name: "SMS Cost Currency", type: "singleLineText", description: "The currency of SMS Cost (Twilio's price_unit); several, written out, when the day has more than one" }] satisfies FieldSpec[];
const dateTime = (name: string): FieldSpec => ({ name, type: "dateTime", options: { timeZone: "utc", dateFormat: { name: "iso" }, timeFormat: { name: "24hour" } } });

export const CONTROL_TABLE = "Campaigns";
export const CAMPAIGN_KPIS_TABLE = "Campaign KPIs";
export const GLOBAL_KPIS_TABLE = "Global KPIs";

export const controlBase: TableSpec[] = [{
  name: CONTROL_TABLE,
  fields: [
    { name: "Name", type: "singleLineText" },
    count("Herald ID"),
    { name: "Status", type: "singleSelect", options: { choices: AIRTABLE_STATUSES.map((name) => ({ name })) } },
    // For people only: Herald decides conflicts with LAST_MODIFIED_TIME({Status}) in a filter, which needs no field.
    { name: "Status Changed", type: "lastModifiedTime", manual: 'In the Campaigns table add a field "Status Changed" of type "Last modified time", set to "Specific fields" → Status (optional: it shows ops when Status last changed; Herald does not need it)' },
    count("Run"),
    ...metrics,
    ...smsMetrics,
    dateTime("Last Run At"),
    { name: "Last Run Result", type: "multilineText" },
    dateTime("Last Synced"),
    { name: "Sync Note", type: "multilineText" },
  ],
}];

export const performanceBase: TableSpec[] = [
  { name: CAMPAIGN_KPIS_TABLE, fields: [{ name: "Key", type: "singleLineText" }, count("Herald ID"), { name: "Campaign", type: "singleLineText" }, { name: "Date", type: "date", options: { dateFormat: { name: "iso" } } }, ...metrics, count("Positive Replies"), ...smsKpis] },
  { name: GLOBAL_KPIS_TABLE, fields: [{ name: "Date", type: "singleLineText" }, ...metrics, count("Positive Replies"), ...smsKpis] },
];

const herald: Record<string, AirtableStatus> = { draft: "Draft", scheduled: "Scheduled", running: "Active", paused: "Paused", completed: "Completed", cancelled: "Cancelled", failed: "Failed" };
/** The Control fields Herald owns besides Status: an edit to any of them is undone by the next round. */
export const CONTROL_READ_ONLY = ["Herald ID", "Name", "Run", "Sent", "Delivered", "Failed", "Opened", "Clicked", "Replied", "Bounced", "Unsubscribed", "Open Rate", "Click Rate", "Reply Rate", "Bounce Rate",
  "Human Opened", "Human Clicked", "Human Open Rate", "Human Click Rate", "Human Click-to-Open", "Last Run At", "Last Run Result",
  "Total Sent", "Total Delivered", "Total Failed", "Total Replies", "Total Opt Outs", "People Texted", "Delivery Rate", "Opt Out Rate"];

export const toAirtableStatus = (status: string): AirtableStatus => herald[status] ?? "Draft";
