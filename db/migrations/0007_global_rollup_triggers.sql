-- global_daily_stats follows campaign_daily_stats through statement-level
-- triggers, so every writer (send path, fold, unsubscribes, replies, legacy
-- import) feeds it without code of its own, one upsert per statement.
CREATE OR REPLACE FUNCTION herald_global_stats_insert() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
  INSERT INTO global_daily_stats (day, shard, sent, delivered, delivery_delayed, failed, bounced, complained, opened, unique_opened, machine_opened, clicked, unique_clicked, replied, unsubscribed)
  SELECT n.day, (n.campaign_id % 16)::smallint, sum(n.sent), sum(n.delivered), sum(n.delivery_delayed), sum(n.failed), sum(n.bounced), sum(n.complained), sum(n.opened), sum(n.unique_opened), sum(n.machine_opened), sum(n.clicked), sum(n.unique_clicked), sum(n.replied), sum(n.unsubscribed)
  FROM new_rows n GROUP BY 1, 2
  ON CONFLICT (day, shard) DO UPDATE SET sent = global_daily_stats.sent + excluded.sent, delivered = global_daily_stats.delivered + excluded.delivered, delivery_delayed = global_daily_stats.delivery_delayed + excluded.delivery_delayed, failed = global_daily_stats.failed + excluded.failed, bounced = global_daily_stats.bounced + excluded.bounced, complained = global_daily_stats.complained + excluded.complained, opened = global_daily_stats.opened + excluded.opened, unique_opened = global_daily_stats.unique_opened + excluded.unique_opened, machine_opened = global_daily_stats.machine_opened + excluded.machine_opened, clicked = global_daily_stats.clicked + excluded.clicked, unique_clicked = global_daily_stats.unique_clicked + excluded.unique_clicked, replied = global_daily_stats.replied + excluded.replied, unsubscribed = global_daily_stats.unsubscribed + excluded.unsubscribed;
  RETURN NULL;
END $$;
--> statement-breakpoint
CREATE OR REPLACE FUNCTION herald_global_stats_update() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
  INSERT INTO global_daily_stats (day, shard, sent, delivered, delivery_delayed, failed, bounced, complained, opened, unique_opened, machine_opened, clicked, unique_clicked, replied, unsubscribed)
  SELECT n.day, (n.campaign_id % 16)::smallint, sum(n.sent - o.sent), sum(n.delivered - o.delivered), sum(n.delivery_delayed - o.delivery_delayed), sum(n.failed - o.failed), sum(n.bounced - o.bounced), sum(n.complained - o.complained), sum(n.opened - o.opened), sum(n.unique_opened - o.unique_opened), sum(n.machine_opened - o.machine_opened), sum(n.clicked - o.clicked), sum(n.unique_clicked - o.unique_clicked), sum(n.replied - o.replied), sum(n.unsubscribed - o.unsubscribed)
  FROM new_rows n JOIN old_rows o ON o.campaign_id = n.campaign_id AND o.run_id = n.run_id AND o.day = n.day
  GROUP BY 1, 2
  ON CONFLICT (day, shard) DO UPDATE SET sent = global_daily_stats.sent + excluded.sent, delivered = global_daily_stats.delivered + excluded.delivered, delivery_delayed = global_daily_stats.delivery_delayed + excluded.delivery_delayed, failed = global_daily_stats.failed + excluded.failed, bounced = global_daily_stats.bounced + excluded.bounced, complained = global_daily_stats.complained + excluded.complained, opened = global_daily_stats.opened + excluded.opened, unique_opened = global_daily_stats.unique_opened + excluded.unique_opened, machine_opened = global_daily_stats.machine_opened + excluded.machine_opened, clicked = global_daily_stats.clicked + excluded.clicked, unique_clicked = global_daily_stats.unique_clicked + excluded.unique_clicked, replied = global_daily_stats.replied + excluded.replied, unsubscribed = global_daily_stats.unsubscribed + excluded.unsubscribed;
  RETURN NULL;
END $$;
--> statement-breakpoint
CREATE TRIGGER campaign_daily_stats_to_global_insert AFTER INSERT ON campaign_daily_stats
  REFERENCING NEW TABLE AS new_rows FOR EACH STATEMENT EXECUTE FUNCTION herald_global_stats_insert();
--> statement-breakpoint
CREATE TRIGGER campaign_daily_stats_to_global_update AFTER UPDATE ON campaign_daily_stats
  REFERENCING OLD TABLE AS old_rows NEW TABLE AS new_rows FOR EACH STATEMENT EXECUTE FUNCTION herald_global_stats_update();
--> statement-breakpoint
INSERT INTO global_daily_stats (day, shard, sent, delivered, delivery_delayed, failed, bounced, complained, opened, unique_opened, machine_opened, clicked, unique_clicked, replied, unsubscribed)
SELECT day, (campaign_id % 16)::smallint, sum(sent), sum(delivered), sum(delivery_delayed), sum(failed), sum(bounced), sum(complained), sum(opened), sum(unique_opened), sum(machine_opened), sum(clicked), sum(unique_clicked), sum(replied), sum(unsubscribed)
FROM campaign_daily_stats GROUP BY 1, 2;
