-- Changes that the Airtable bridge must mirror write their sync_outbox row in
-- the same transaction as the change, from every code path, through these
-- triggers. One pending row per mirrored record (coalesced); nothing is
-- written unless the base is configured (settings 'airtable:<base>', kept by
-- Herald at start-up).
CREATE OR REPLACE FUNCTION herald_sync_campaign_changed() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
  IF EXISTS (SELECT 1 FROM settings WHERE key = 'airtable:control') THEN
    INSERT INTO sync_outbox (base, record_key, campaign_id) VALUES ('control', 'campaign:' || NEW.id, NEW.id)
    ON CONFLICT (base, record_key) DO UPDATE SET updated_at = now();
  END IF;
  RETURN NULL;
END $$;
--> statement-breakpoint
CREATE TRIGGER campaigns_to_sync_outbox AFTER INSERT OR UPDATE OF name, status, current_run_id, lifetime_runs, sent, delivered, failed, opened, clicked, replied, bounced, unsubscribed, last_run_at, last_run_result
  ON campaigns FOR EACH ROW EXECUTE FUNCTION herald_sync_campaign_changed();
--> statement-breakpoint
CREATE OR REPLACE FUNCTION herald_sync_stats_changed() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
  IF EXISTS (SELECT 1 FROM settings WHERE key = 'airtable:performance') THEN
    INSERT INTO sync_outbox (base, record_key, campaign_id)
    SELECT 'performance'::sync_base, 'kpi:' || campaign_id || ':' || day, campaign_id FROM (SELECT DISTINCT campaign_id, day FROM new_rows) k
    UNION ALL
    SELECT 'performance'::sync_base, 'global:' || day, NULL FROM (SELECT DISTINCT day FROM new_rows) g
    ON CONFLICT (base, record_key) DO UPDATE SET updated_at = now();
  END IF;
  RETURN NULL;
END $$;
--> statement-breakpoint
CREATE TRIGGER campaign_daily_stats_to_sync_outbox_insert AFTER INSERT ON campaign_daily_stats
  REFERENCING NEW TABLE AS new_rows FOR EACH STATEMENT EXECUTE FUNCTION herald_sync_stats_changed();
--> statement-breakpoint
CREATE TRIGGER campaign_daily_stats_to_sync_outbox_update AFTER UPDATE ON campaign_daily_stats
  REFERENCING NEW TABLE AS new_rows FOR EACH STATEMENT EXECUTE FUNCTION herald_sync_stats_changed();
