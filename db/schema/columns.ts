import { bigint, integer, timestamp } from "drizzle-orm/pg-core";

/** Surrogate keys are 64-bit identities; JS numbers are exact up to 2^53, far beyond any count here. */
export const id = () => bigint("id", { mode: "number" }).generatedAlwaysAsIdentity();
export const ref = (name: string) => bigint(name, { mode: "number" });
export const createdAt = () => timestamp("created_at", { withTimezone: true, mode: "date" }).notNull().defaultNow();
export const updatedAt = () => timestamp("updated_at", { withTimezone: true, mode: "date" }).notNull().defaultNow();
export const ts = (name: string) => timestamp(name, { withTimezone: true, mode: "date" });
export const count = (name: string) => integer(name).notNull().default(0);

/**
 * The counters a run and a campaign both keep. Opened and clicked count unique
 * recipients; totals come from the event log. Opened and clicked are the raw
 * figures (every click, opens apart from known machine opens, a click implies
 * an open); humanOpened and humanClicked leave out machine opens and clicks
 * (docs/decisions/020).
 */
export const deliveryCounters = () => ({
  recipients: count("recipients"),
  sent: count("sent"),
  delivered: count("delivered"),
  failed: count("failed"),
  opened: count("opened"),
  clicked: count("clicked"),
  replied: count("replied"),
  bounced: count("bounced"),
  complained: count("complained"),
  unsubscribed: count("unsubscribed"),
  positiveReplies: count("positive_replies"),
  humanOpened: count("human_opened"),
  humanClicked: count("human_clicked"),
});

/**
 * People a run mailed (at least one email handed over) and how many of them
 * bounced: the base of every rate (server/stats/rates.ts). Kept by a trigger
 * on run_recipients (migration 0026).
 */
export const peopleCounters = () => ({
  peopleSent: count("people_sent"),
  peopleBounced: count("people_bounced"),
});

/** One count per event type a day: campaign_daily_stats and global_daily_stats share them. */
export const dailyCounters = () => ({
  sent: count("sent"),
  delivered: count("delivered"),
  deliveryDelayed: count("delivery_delayed"),
  failed: count("failed"),
  bounced: count("bounced"),
  complained: count("complained"),
  opened: count("opened"),
  uniqueOpened: count("unique_opened"),
  machineOpened: count("machine_opened"),
  clicked: count("clicked"),
  uniqueClicked: count("unique_clicked"),
  replied: count("replied"),
  unsubscribed: count("unsubscribed"),
  positiveReplies: count("positive_replies"),
  /** Click events judged a machine's; human_opened / human_clicked: people whose first human open / click fell that day. */
  machineClicked: count("machine_clicked"),
  humanOpened: count("human_opened"),
  humanClicked: count("human_clicked"),
});

/**
 * The SMS counters a run, a campaign and a day keep (docs/decisions/040):
 * messages Twilio accepted, delivered, failed (refused at send, or a
 * failed/undelivered status); people who replied and who opted out (STOP).
 * People texted (at least one text accepted) and people with a delivered
 * text are the base of the SMS rates (docs/decisions/047), kept by the
 * trigger on run_recipients like people_sent; a day counts the people first
 * texted / first delivered to that day.
 */
export const smsCounters = () => ({
  smsSent: count("sms_sent"),
  smsDelivered: count("sms_delivered"),
  smsFailed: count("sms_failed"),
  smsReplied: count("sms_replied"),
  smsOptedOut: count("sms_opted_out"),
  peopleTexted: count("people_texted"),
  peopleTextDelivered: count("people_text_delivered"),
});
