-- SMS rates per person and what texts cost (docs/decisions/047, 048).
-- People texted (a text accepted) and people with a delivered text on runs,
-- campaigns and days; the global rollup carries every SMS counter; each
-- text's price as Twilio reports it, and its exact sum per run, day and
-- currency in sms_costs; the Control base's trigger now watches the SMS
-- counters.
CREATE TABLE "sms_costs" (
	"campaign_id" bigint NOT NULL,
	"run_id" bigint NOT NULL,
	"day" date NOT NULL,
	"currency" text NOT NULL,
	"texts" integer DEFAULT 0 NOT NULL,
	"cost_micros" bigint DEFAULT 0 NOT NULL,
	"updated_at" timestamp with time zone DEFAULT now() NOT NULL,
	CONSTRAINT "sms_costs_pkey" PRIMARY KEY("campaign_id","run_id","day","currency")
);
--> statement-breakpoint
ALTER TABLE "campaign_runs" ADD COLUMN "people_texted" integer DEFAULT 0 NOT NULL;--> statement-breakpoint
ALTER TABLE "campaign_runs" ADD COLUMN "people_text_delivered" integer DEFAULT 0 NOT NULL;--> statement-breakpoint
ALTER TABLE "campaigns" ADD COLUMN "people_texted" integer DEFAULT 0 NOT NULL;--> statement-breakpoint
ALTER TABLE "campaigns" ADD COLUMN "people_text_delivered" integer DEFAULT 0 NOT NULL;--> statement-breakpoint
ALTER TABLE "campaign_daily_stats" ADD COLUMN "people_texted" integer DEFAULT 0 NOT NULL;--> statement-breakpoint
ALTER TABLE "campaign_daily_stats" ADD COLUMN "people_text_delivered" integer DEFAULT 0 NOT NULL;--> statement-breakpoint
ALTER TABLE "global_daily_stats" ADD COLUMN "sms_sent" integer DEFAULT 0 NOT NULL;--> statement-breakpoint
ALTER TABLE "global_daily_stats" ADD COLUMN "sms_delivered" integer DEFAULT 0 NOT NULL;--> statement-breakpoint
ALTER TABLE "global_daily_stats" ADD COLUMN "sms_failed" integer DEFAULT 0 NOT NULL;--> statement-breakpoint
ALTER TABLE "global_daily_stats" ADD COLUMN "sms_replied" integer DEFAULT 0 NOT NULL;--> statement-breakpoint
ALTER TABLE "global_daily_stats" ADD COLUMN "sms_opted_out" integer DEFAULT 0 NOT NULL;--> statement-breakpoint
ALTER TABLE "global_daily_stats" ADD COLUMN "people_texted" integer DEFAULT 0 NOT NULL;--> statement-breakpoint
ALTER TABLE "global_daily_stats" ADD COLUMN "people_text_delivered" integer DEFAULT 0 NOT NULL;--> statement-breakpoint
ALTER TABLE "run_recipients" ADD COLUMN "first_texted_at" timestamp with time zone;--> statement-breakpoint
ALTER TABLE "run_recipients" ADD COLUMN "text_delivered_at" timestamp with time zone;--> statement-breakpoint
ALTER TABLE "sms_messages" ADD COLUMN "price_micros" bigint;--> statement-breakpoint
ALTER TABLE "sms_messages" ADD COLUMN "price_next_at" timestamp with time zone DEFAULT now() + interval '1 hour' NOT NULL;--> statement-breakpoint
ALTER TABLE "sms_messages" ADD COLUMN "price_checks" smallint DEFAULT 0 NOT NULL;--> statement-breakpoint
ALTER TABLE "sms_messages" ADD COLUMN "price_gave_up_at" timestamp with time zone;--> statement-breakpoint
ALTER TABLE "sms_costs" ADD CONSTRAINT "sms_costs_campaign_id_campaigns_id_fk" FOREIGN KEY ("campaign_id") REFERENCES "public"."campaigns"("id") ON DELETE cascade ON UPDATE no action;--> statement-breakpoint
CREATE INDEX "sms_costs_day_idx" ON "sms_costs" USING btree ("day");--> statement-breakpoint
CREATE INDEX "sms_messages_unpriced_idx" ON "sms_messages" USING btree ("price_next_at") WHERE sid is not null and price_micros is null and price_gave_up_at is null;
--> statement-breakpoint
-- People texted and people with a delivered text (docs/decisions/047), kept
-- like people_sent: the send path's recording statement sets
-- first_texted_at, the status callback text_delivered_at, and this
-- statement-level trigger moves the run's, the campaign's and the day's
-- counters at the end of that same statement, each person once (a day counts
-- the people first texted / first delivered to that day).
CREATE OR REPLACE FUNCTION herald_people_counters() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
  WITH changed AS (
    SELECT n.campaign_id, n.run_id, n.first_sent_at, n.first_texted_at, n.text_delivered_at,
           (n.first_sent_at IS NOT NULL AND o.first_sent_at IS NULL) AS mailed,
           (n.first_sent_at IS NOT NULL AND n.bounced_at IS NOT NULL AND (o.bounced_at IS NULL OR o.first_sent_at IS NULL)) AS bounced,
           (n.first_texted_at IS NOT NULL AND o.first_texted_at IS NULL) AS texted,
           (n.text_delivered_at IS NOT NULL AND o.text_delivered_at IS NULL) AS delivered
    FROM new_rows n JOIN old_rows o ON o.campaign_id = n.campaign_id AND o.id = n.id
    WHERE (n.first_sent_at IS NOT NULL AND (o.first_sent_at IS NULL OR (n.bounced_at IS NOT NULL AND o.bounced_at IS NULL)))
       OR (n.first_texted_at IS NOT NULL AND o.first_texted_at IS NULL)
       OR (n.text_delivered_at IS NOT NULL AND o.text_delivered_at IS NULL)
  ), runs AS (
    UPDATE campaign_runs r SET people_sent = r.people_sent + x.mailed, people_bounced = r.people_bounced + x.bounced,
                               people_texted = r.people_texted + x.texted, people_text_delivered = r.people_text_delivered + x.delivered
    FROM (SELECT campaign_id, run_id, count(*) FILTER (WHERE mailed)::int AS mailed, count(*) FILTER (WHERE bounced)::int AS bounced,
                 count(*) FILTER (WHERE texted)::int AS texted, count(*) FILTER (WHERE delivered)::int AS delivered
          FROM changed GROUP BY 1, 2) x
    WHERE r.campaign_id = x.campaign_id AND r.id = x.run_id
    RETURNING 1
  ), camps AS (
    UPDATE campaigns c SET people_sent = c.people_sent + x.mailed, people_bounced = c.people_bounced + x.bounced,
                           people_texted = c.people_texted + x.texted, people_text_delivered = c.people_text_delivered + x.delivered
    FROM (SELECT campaign_id, count(*) FILTER (WHERE mailed)::int AS mailed, count(*) FILTER (WHERE bounced)::int AS bounced,
                 count(*) FILTER (WHERE texted)::int AS texted, count(*) FILTER (WHERE delivered)::int AS delivered
          FROM changed GROUP BY 1) x
    WHERE c.id = x.campaign_id
    RETURNING 1
  ), days AS (
    SELECT campaign_id, run_id, (first_sent_at AT TIME ZONE 'UTC')::date AS day, 1 AS mailed, 0 AS texted, 0 AS delivered FROM changed WHERE mailed
    UNION ALL
    SELECT campaign_id, run_id, (first_texted_at AT TIME ZONE 'UTC')::date, 0, 1, 0 FROM changed WHERE texted
    UNION ALL
    SELECT campaign_id, run_id, (text_delivered_at AT TIME ZONE 'UTC')::date, 0, 0, 1 FROM changed WHERE delivered
  )
  INSERT INTO campaign_daily_stats (campaign_id, run_id, day, people_sent, people_texted, people_text_delivered)
  SELECT campaign_id, run_id, day, sum(mailed)::int, sum(texted)::int, sum(delivered)::int FROM days GROUP BY 1, 2, 3
  ON CONFLICT (campaign_id, run_id, day) DO UPDATE SET people_sent = campaign_daily_stats.people_sent + excluded.people_sent,
    people_texted = campaign_daily_stats.people_texted + excluded.people_texted,
    people_text_delivered = campaign_daily_stats.people_text_delivered + excluded.people_text_delivered;
  RETURN NULL;
END $$;
--> statement-breakpoint
-- The global rollup carries the SMS counters too, so Analytics and the Global KPIs see texts without summing every campaign.
CREATE OR REPLACE FUNCTION herald_global_stats_insert() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
  INSERT INTO global_daily_stats (day, shard, sent, delivered, delivery_delayed, failed, bounced, complained, opened, unique_opened, machine_opened, clicked, unique_clicked, replied, unsubscribed, positive_replies, machine_clicked, human_opened, human_clicked, sms_sent, sms_delivered, sms_failed, sms_replied, sms_opted_out, people_texted, people_text_delivered)
  SELECT n.day, (n.campaign_id % 16)::smallint, sum(n.sent), sum(n.delivered), sum(n.delivery_delayed), sum(n.failed), sum(n.bounced), sum(n.complained), sum(n.opened), sum(n.unique_opened), sum(n.machine_opened), sum(n.clicked), sum(n.unique_clicked), sum(n.replied), sum(n.unsubscribed), sum(n.positive_replies), sum(n.machine_clicked), sum(n.human_opened), sum(n.human_clicked), sum(n.sms_sent), sum(n.sms_delivered), sum(n.sms_failed), sum(n.sms_replied), sum(n.sms_opted_out), sum(n.people_texted), sum(n.people_text_delivered)
  FROM new_rows n GROUP BY 1, 2
  ON CONFLICT (day, shard) DO UPDATE SET sent = global_daily_stats.sent + excluded.sent, delivered = global_daily_stats.delivered + excluded.delivered, delivery_delayed = global_daily_stats.delivery_delayed + excluded.delivery_delayed, failed = global_daily_stats.failed + excluded.failed, bounced = global_daily_stats.bounced + excluded.bounced, complained = global_daily_stats.complained + excluded.complained, opened = global_daily_stats.opened + excluded.opened, unique_opened = global_daily_stats.unique_opened + excluded.unique_opened, machine_opened = global_daily_stats.machine_opened + excluded.machine_opened, clicked = global_daily_stats.clicked + excluded.clicked, unique_clicked = global_daily_stats.unique_clicked + excluded.unique_clicked, replied = global_daily_stats.replied + excluded.replied, unsubscribed = global_daily_stats.unsubscribed + excluded.unsubscribed, positive_replies = global_daily_stats.positive_replies + excluded.positive_replies, machine_clicked = global_daily_stats.machine_clicked + excluded.machine_clicked, human_opened = global_daily_stats.human_opened + excluded.human_opened, human_clicked = global_daily_stats.human_clicked + excluded.human_clicked, sms_sent = global_daily_stats.sms_sent + excluded.sms_sent, sms_delivered = global_daily_stats.sms_delivered + excluded.sms_delivered, sms_failed = global_daily_stats.sms_failed + excluded.sms_failed, sms_replied = global_daily_stats.sms_replied + excluded.sms_replied, sms_opted_out = global_daily_stats.sms_opted_out + excluded.sms_opted_out, people_texted = global_daily_stats.people_texted + excluded.people_texted, people_text_delivered = global_daily_stats.people_text_delivered + excluded.people_text_delivered;
  RETURN NULL;
END $$;
--> statement-breakpoint
CREATE OR REPLACE FUNCTION herald_global_stats_update() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
  INSERT INTO global_daily_stats (day, shard, sent, delivered, delivery_delayed, failed, bounced, complained, opened, unique_opened, machine_opened, clicked, unique_clicked, replied, unsubscribed, positive_replies, machine_clicked, human_opened, human_clicked, sms_sent, sms_delivered, sms_failed, sms_replied, sms_opted_out, people_texted, people_text_delivered)
  SELECT n.day, (n.campaign_id % 16)::smallint, sum(n.sent - o.sent), sum(n.delivered - o.delivered), sum(n.delivery_delayed - o.delivery_delayed), sum(n.failed - o.failed), sum(n.bounced - o.bounced), sum(n.complained - o.complained), sum(n.opened - o.opened), sum(n.unique_opened - o.unique_opened), sum(n.machine_opened - o.machine_opened), sum(n.clicked - o.clicked), sum(n.unique_clicked - o.unique_clicked), sum(n.replied - o.replied), sum(n.unsubscribed - o.unsubscribed), sum(n.positive_replies - o.positive_replies), sum(n.machine_clicked - o.machine_clicked), sum(n.human_opened - o.human_opened), sum(n.human_clicked - o.human_clicked), sum(n.sms_sent - o.sms_sent), sum(n.sms_delivered - o.sms_delivered), sum(n.sms_failed - o.sms_failed), sum(n.sms_replied - o.sms_replied), sum(n.sms_opted_out - o.sms_opted_out), sum(n.people_texted - o.people_texted), sum(n.people_text_delivered - o.people_text_delivered)
  FROM new_rows n JOIN old_rows o ON o.campaign_id = n.campaign_id AND o.run_id = n.run_id AND o.day = n.day
  GROUP BY 1, 2
  ON CONFLICT (day, shard) DO UPDATE SET sent = global_daily_stats.sent + excluded.sent, delivered = global_daily_stats.delivered + excluded.delivered, delivery_delayed = global_daily_stats.delivery_delayed + excluded.delivery_delayed, failed = global_daily_stats.failed + excluded.failed, bounced = global_daily_stats.bounced + excluded.bounced, complained = global_daily_stats.complained + excluded.complained, opened = global_daily_stats.opened + excluded.opened, unique_opened = global_daily_stats.unique_opened + excluded.unique_opened, machine_opened = global_daily_stats.machine_opened + excluded.machine_opened, clicked = global_daily_stats.clicked + excluded.clicked, unique_clicked = global_daily_stats.unique_clicked + excluded.unique_clicked, replied = global_daily_stats.replied + excluded.replied, unsubscribed = global_daily_stats.unsubscribed + excluded.unsubscribed, positive_replies = global_daily_stats.positive_replies + excluded.positive_replies, machine_clicked = global_daily_stats.machine_clicked + excluded.machine_clicked, human_opened = global_daily_stats.human_opened + excluded.human_opened, human_clicked = global_daily_stats.human_clicked + excluded.human_clicked, sms_sent = global_daily_stats.sms_sent + excluded.sms_sent, sms_delivered = global_daily_stats.sms_delivered + excluded.sms_delivered, sms_failed = global_daily_stats.sms_failed + excluded.sms_failed, sms_replied = global_daily_stats.sms_replied + excluded.sms_replied, sms_opted_out = global_daily_stats.sms_opted_out + excluded.sms_opted_out, people_texted = global_daily_stats.people_texted + excluded.people_texted, people_text_delivered = global_daily_stats.people_text_delivered + excluded.people_text_delivered;
  RETURN NULL;
END $$;
--> statement-breakpoint
-- SMS days counted before this migration, into the rollup (every day with a campaign row has its global rows).
UPDATE global_daily_stats g SET sms_sent = x.sms_sent, sms_delivered = x.sms_delivered, sms_failed = x.sms_failed, sms_replied = x.sms_replied, sms_opted_out = x.sms_opted_out
FROM (
  SELECT day, (campaign_id % 16)::smallint AS shard, sum(sms_sent)::int AS sms_sent, sum(sms_delivered)::int AS sms_delivered, sum(sms_failed)::int AS sms_failed,
         sum(sms_replied)::int AS sms_replied, sum(sms_opted_out)::int AS sms_opted_out
  FROM campaign_daily_stats WHERE sms_sent + sms_delivered + sms_failed + sms_replied + sms_opted_out > 0 GROUP BY 1, 2
) x
WHERE g.day = x.day AND g.shard = x.shard;
--> statement-breakpoint
-- Texts sent before this migration: each recipient's first accepted and first delivered text, from the log.
-- (type::text: on a new database the SMS event types were added by 0032 in this same transaction, and PostgreSQL
-- refuses an uncommitted enum value written as a literal.)
-- The trigger above turns these updates into the people counters (runs, campaigns, days, and so the rollup).
UPDATE run_recipients r SET first_texted_at = x.texted, text_delivered_at = x.delivered
FROM (
  SELECT campaign_id, recipient_id, min(occurred_at) FILTER (WHERE type::text = 'sms_sent') AS texted, min(occurred_at) FILTER (WHERE type::text = 'sms_delivered') AS delivered
  FROM email_events WHERE type::text IN ('sms_sent', 'sms_delivered') GROUP BY 1, 2
) x
WHERE r.campaign_id = x.campaign_id AND r.id = x.recipient_id;
--> statement-breakpoint
-- Texts Twilio already has: their price is asked for at once.
UPDATE sms_messages SET price_next_at = now() WHERE sid IS NOT NULL;
--> statement-breakpoint
-- A text's price changes its day's KPIs in the Performance base (the same outbox rows as the daily stats).
CREATE TRIGGER sms_costs_to_sync_outbox_insert AFTER INSERT ON sms_costs
  REFERENCING NEW TABLE AS new_rows FOR EACH STATEMENT EXECUTE FUNCTION herald_sync_stats_changed();
--> statement-breakpoint
CREATE TRIGGER sms_costs_to_sync_outbox_update AFTER UPDATE ON sms_costs
  REFERENCING NEW TABLE AS new_rows FOR EACH STATEMENT EXECUTE FUNCTION herald_sync_stats_changed();
--> statement-breakpoint
-- The Control base mirrors the SMS counters: a status callback or a STOP that moves only them must queue the
-- campaign's record too (the trigger listed only the email counters). The people counters are left out: they
-- always move in a transaction that also moves a listed counter (the trigger above runs inside its statement).
DROP TRIGGER "campaigns_to_sync_outbox" ON "campaigns";
--> statement-breakpoint
CREATE TRIGGER campaigns_to_sync_outbox AFTER INSERT OR UPDATE OF name, status, current_run_id, lifetime_runs, sent, delivered, failed, opened, clicked, replied, bounced, complained, unsubscribed,
  human_opened, human_clicked, sms_sent, sms_delivered, sms_failed, sms_replied, sms_opted_out, last_run_at, last_run_result
  ON campaigns FOR EACH ROW EXECUTE FUNCTION herald_sync_campaign_changed();
