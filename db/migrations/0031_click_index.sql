-- The per-link tables (campaign and run pages, herald stats --links) read a
-- campaign's or run's clicks; without this they walked every event of the
-- campaign (its sends and deliveries too) on each page load. Clicks are a
-- small share of the log, so the index is light to keep.
CREATE INDEX "email_events_clicks_idx" ON "email_events" USING btree ("campaign_id","run_id") WHERE type = 'clicked';
