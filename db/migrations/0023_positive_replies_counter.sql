-- Positive replies become a first-class counter beside replied: on campaigns,
-- runs, daily stats and the global rollup, whose triggers now carry it too.
ALTER TABLE "campaigns" ADD COLUMN "positive_replies" integer DEFAULT 0 NOT NULL;--> statement-breakpoint
ALTER TABLE "campaign_runs" ADD COLUMN "positive_replies" integer DEFAULT 0 NOT NULL;--> statement-breakpoint
ALTER TABLE "campaign_daily_stats" ADD COLUMN "positive_replies" integer DEFAULT 0 NOT NULL;--> statement-breakpoint
ALTER TABLE "global_daily_stats" ADD COLUMN "positive_replies" integer DEFAULT 0 NOT NULL;--> statement-breakpoint
CREATE OR REPLACE FUNCTION herald_global_stats_insert() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
  INSERT INTO global_daily_stats (day, shard, sent, delivered, delivery_delayed, failed, bounced, complained, opened, unique_opened, machine_opened, clicked, unique_clicked, replied, unsubscribed, positive_replies)
  SELECT n.day, (n.campaign_id % 16)::smallint, sum(n.sent), sum(n.delivered), sum(n.delivery_delayed), sum(n.failed), sum(n.bounced), sum(n.complained), sum(n.opened), sum(n.unique_opened), sum(n.machine_opened), sum(n.clicked), sum(n.unique_clicked), sum(n.replied), sum(n.unsubscribed), sum(n.positive_replies)
  FROM new_rows n GROUP BY 1, 2
  ON CONFLICT (day, shard) DO UPDATE SET sent = global_daily_stats.sent + excluded.sent, delivered = global_daily_stats.delivered + excluded.delivered, delivery_delayed = global_daily_stats.delivery_delayed + excluded.delivery_delayed, failed = global_daily_stats.failed + excluded.failed, bounced = global_daily_stats.bounced + excluded.bounced, complained = global_daily_stats.complained + excluded.complained, opened = global_daily_stats.opened + excluded.opened, unique_opened = global_daily_stats.unique_opened + excluded.unique_opened, machine_opened = global_daily_stats.machine_opened + excluded.machine_opened, clicked = global_daily_stats.clicked + excluded.clicked, unique_clicked = global_daily_stats.unique_clicked + excluded.unique_clicked, replied = global_daily_stats.replied + excluded.replied, unsubscribed = global_daily_stats.unsubscribed + excluded.unsubscribed, positive_replies = global_daily_stats.positive_replies + excluded.positive_replies;
  RETURN NULL;
END $$;
--> statement-breakpoint
CREATE OR REPLACE FUNCTION herald_global_stats_update() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
  INSERT INTO global_daily_stats (day, shard, sent, delivered, delivery_delayed, failed, bounced, complained, opened, unique_opened, machine_opened, clicked, unique_clicked, replied, unsubscribed, positive_replies)
  SELECT n.day, (n.campaign_id % 16)::smallint, sum(n.sent - o.sent), sum(n.delivered - o.delivered), sum(n.delivery_delayed - o.delivery_delayed), sum(n.failed - o.failed), sum(n.bounced - o.bounced), sum(n.complained - o.complained), sum(n.opened - o.opened), sum(n.unique_opened - o.unique_opened), sum(n.machine_opened - o.machine_opened), sum(n.clicked - o.clicked), sum(n.unique_clicked - o.unique_clicked), sum(n.replied - o.replied), sum(n.unsubscribed - o.unsubscribed), sum(n.positive_replies - o.positive_replies)
  FROM new_rows n JOIN old_rows o ON o.campaign_id = n.campaign_id AND o.run_id = n.run_id AND o.day = n.day
  GROUP BY 1, 2
  ON CONFLICT (day, shard) DO UPDATE SET sent = global_daily_stats.sent + excluded.sent, delivered = global_daily_stats.delivered + excluded.delivered, delivery_delayed = global_daily_stats.delivery_delayed + excluded.delivery_delayed, failed = global_daily_stats.failed + excluded.failed, bounced = global_daily_stats.bounced + excluded.bounced, complained = global_daily_stats.complained + excluded.complained, opened = global_daily_stats.opened + excluded.opened, unique_opened = global_daily_stats.unique_opened + excluded.unique_opened, machine_opened = global_daily_stats.machine_opened + excluded.machine_opened, clicked = global_daily_stats.clicked + excluded.clicked, unique_clicked = global_daily_stats.unique_clicked + excluded.unique_clicked, replied = global_daily_stats.replied + excluded.replied, unsubscribed = global_daily_stats.unsubscribed + excluded.unsubscribed, positive_replies = global_daily_stats.positive_replies + excluded.positive_replies;
  RETURN NULL;
END $$;
