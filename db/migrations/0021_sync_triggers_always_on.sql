-- Sync configuration is data (settings 'airtable:<base>', written only by
-- `herald airtable init` and `herald sync`), not DDL at boot: earlier releases
-- disabled these triggers from any CLI run without the Airtable variables.
-- They stay enabled from now on and check the setting.
ALTER TABLE "campaigns" ENABLE TRIGGER "campaigns_to_sync_outbox";
--> statement-breakpoint
ALTER TABLE "campaign_daily_stats" ENABLE TRIGGER "campaign_daily_stats_to_sync_outbox_insert";
--> statement-breakpoint
ALTER TABLE "campaign_daily_stats" ENABLE TRIGGER "campaign_daily_stats_to_sync_outbox_update";
