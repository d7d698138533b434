-- Human engagement (docs/decisions/020): machine clicks are judged at the hit
-- and counted apart, like machine opens. Runs and campaigns keep people who
-- opened or clicked as a person (human_opened, human_clicked) beside the raw
-- figures; recipients keep their first human open and click; daily stats
-- keep machine click events and people first human-opened / clicked that day,
-- and the global rollup's triggers carry the three new columns. Reruns can
-- target human non-openers and non-clickers.
ALTER TYPE "public"."run_audience" ADD VALUE 'not_human_opened';--> statement-breakpoint
ALTER TYPE "public"."run_audience" ADD VALUE 'not_human_clicked';--> statement-breakpoint
ALTER TABLE "campaign_runs" ADD COLUMN "human_opened" integer DEFAULT 0 NOT NULL;--> statement-breakpoint
ALTER TABLE "campaign_runs" ADD COLUMN "human_clicked" integer DEFAULT 0 NOT NULL;--> statement-breakpoint
ALTER TABLE "campaigns" ADD COLUMN "human_opened" integer DEFAULT 0 NOT NULL;--> statement-breakpoint
ALTER TABLE "campaigns" ADD COLUMN "human_clicked" integer DEFAULT 0 NOT NULL;--> statement-breakpoint
ALTER TABLE "campaign_daily_stats" ADD COLUMN "machine_clicked" integer DEFAULT 0 NOT NULL;--> statement-breakpoint
ALTER TABLE "campaign_daily_stats" ADD COLUMN "human_opened" integer DEFAULT 0 NOT NULL;--> statement-breakpoint
ALTER TABLE "campaign_daily_stats" ADD COLUMN "human_clicked" integer DEFAULT 0 NOT NULL;--> statement-breakpoint
ALTER TABLE "global_daily_stats" ADD COLUMN "machine_clicked" integer DEFAULT 0 NOT NULL;--> statement-breakpoint
ALTER TABLE "global_daily_stats" ADD COLUMN "human_opened" integer DEFAULT 0 NOT NULL;--> statement-breakpoint
ALTER TABLE "global_daily_stats" ADD COLUMN "human_clicked" integer DEFAULT 0 NOT NULL;--> statement-breakpoint
ALTER TABLE "run_recipients" ADD COLUMN "human_opened_at" timestamp with time zone;--> statement-breakpoint
ALTER TABLE "run_recipients" ADD COLUMN "human_clicked_at" timestamp with time zone;--> statement-breakpoint
CREATE OR REPLACE FUNCTION herald_global_stats_insert() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
  INSERT INTO global_daily_stats (day, shard, sent, delivered, delivery_delayed, failed, bounced, complained, opened, unique_opened, machine_opened, clicked, unique_clicked, replied, unsubscribed, positive_replies, machine_clicked, human_opened, human_clicked)
  SELECT n.day, (n.campaign_id % 16)::smallint, sum(n.sent), sum(n.delivered), sum(n.delivery_delayed), sum(n.failed), sum(n.bounced), sum(n.complained), sum(n.opened), sum(n.unique_opened), sum(n.machine_opened), sum(n.clicked), sum(n.unique_clicked), sum(n.replied), sum(n.unsubscribed), sum(n.positive_replies), sum(n.machine_clicked), sum(n.human_opened), sum(n.human_clicked)
  FROM new_rows n GROUP BY 1, 2
  ON CONFLICT (day, shard) DO UPDATE SET sent = global_daily_stats.sent + excluded.sent, delivered = global_daily_stats.delivered + excluded.delivered, delivery_delayed = global_daily_stats.delivery_delayed + excluded.delivery_delayed, failed = global_daily_stats.failed + excluded.failed, bounced = global_daily_stats.bounced + excluded.bounced, complained = global_daily_stats.complained + excluded.complained, opened = global_daily_stats.opened + excluded.opened, unique_opened = global_daily_stats.unique_opened + excluded.unique_opened, machine_opened = global_daily_stats.machine_opened + excluded.machine_opened, clicked = global_daily_stats.clicked + excluded.clicked, unique_clicked = global_daily_stats.unique_clicked + excluded.unique_clicked, replied = global_daily_stats.replied + excluded.replied, unsubscribed = global_daily_stats.unsubscribed + excluded.unsubscribed, positive_replies = global_daily_stats.positive_replies + excluded.positive_replies, machine_clicked = global_daily_stats.machine_clicked + excluded.machine_clicked, human_opened = global_daily_stats.human_opened + excluded.human_opened, human_clicked = global_daily_stats.human_clicked + excluded.human_clicked;
  RETURN NULL;
END $$;
--> statement-breakpoint
CREATE OR REPLACE FUNCTION herald_global_stats_update() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
  INSERT INTO global_daily_stats (day, shard, sent, delivered, delivery_delayed, failed, bounced, complained, opened, unique_opened, machine_opened, clicked, unique_clicked, replied, unsubscribed, positive_replies, machine_clicked, human_opened, human_clicked)
  SELECT n.day, (n.campaign_id % 16)::smallint, sum(n.sent - o.sent), sum(n.delivered - o.delivered), sum(n.delivery_delayed - o.delivery_delayed), sum(n.failed - o.failed), sum(n.bounced - o.bounced), sum(n.complained - o.complained), sum(n.opened - o.opened), sum(n.unique_opened - o.unique_opened), sum(n.machine_opened - o.machine_opened), sum(n.clicked - o.clicked), sum(n.unique_clicked - o.unique_clicked), sum(n.replied - o.replied), sum(n.unsubscribed - o.unsubscribed), sum(n.positive_replies - o.positive_replies), sum(n.machine_clicked - o.machine_clicked), sum(n.human_opened - o.human_opened), sum(n.human_clicked - o.human_clicked)
  FROM new_rows n JOIN old_rows o ON o.campaign_id = n.campaign_id AND o.run_id = n.run_id AND o.day = n.day
  GROUP BY 1, 2
  ON CONFLICT (day, shard) DO UPDATE SET sent = global_daily_stats.sent + excluded.sent, delivered = global_daily_stats.delivered + excluded.delivered, delivery_delayed = global_daily_stats.delivery_delayed + excluded.delivery_delayed, failed = global_daily_stats.failed + excluded.failed, bounced = global_daily_stats.bounced + excluded.bounced, complained = global_daily_stats.complained + excluded.complained, opened = global_daily_stats.opened + excluded.opened, unique_opened = global_daily_stats.unique_opened + excluded.unique_opened, machine_opened = global_daily_stats.machine_opened + excluded.machine_opened, clicked = global_daily_stats.clicked + excluded.clicked, unique_clicked = global_daily_stats.unique_clicked + excluded.unique_clicked, replied = global_daily_stats.replied + excluded.replied, unsubscribed = global_daily_stats.unsubscribed + excluded.unsubscribed, positive_replies = global_daily_stats.positive_replies + excluded.positive_replies, machine_clicked = global_daily_stats.machine_clicked + excluded.machine_clicked, human_opened = global_daily_stats.human_opened + excluded.human_opened, human_clicked = global_daily_stats.human_clicked + excluded.human_clicked;
  RETURN NULL;
END $$;
--> statement-breakpoint
-- Until now every click counted as a person's and machine opens were already left out: what was
-- counted so far is the human figure. Legacy runs (their own store, decision 016) stay 0: the legacy
-- system could not tell people from machines.
UPDATE run_recipients SET human_opened_at = first_opened_at, human_clicked_at = first_clicked_at
WHERE first_opened_at IS NOT NULL OR first_clicked_at IS NOT NULL;
--> statement-breakpoint
UPDATE campaign_runs r SET human_opened = x.opened, human_clicked = x.clicked
FROM (
  SELECT campaign_id, run_id, count(human_opened_at)::int AS opened, count(human_clicked_at)::int AS clicked
  FROM run_recipients GROUP BY 1, 2
) x
WHERE r.campaign_id = x.campaign_id AND r.id = x.run_id
  AND NOT EXISTS (SELECT 1 FROM legacy_campaign_map m WHERE m.campaign_id = r.campaign_id AND m.run_id = r.id);
--> statement-breakpoint
UPDATE campaigns c SET human_opened = x.opened, human_clicked = x.clicked
FROM (SELECT campaign_id, sum(human_opened)::int AS opened, sum(human_clicked)::int AS clicked FROM campaign_runs GROUP BY 1) x
WHERE c.id = x.campaign_id;
--> statement-breakpoint
UPDATE campaign_daily_stats SET human_opened = unique_opened, human_clicked = unique_clicked
WHERE unique_opened > 0 OR unique_clicked > 0;
