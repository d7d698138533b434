ALTER TABLE "scheduled_emails" DROP CONSTRAINT "scheduled_emails_campaign_id_campaigns_id_fk";
--> statement-breakpoint
ALTER TABLE "scheduled_emails" DROP CONSTRAINT "scheduled_emails_campaign_id_run_id_campaign_runs_campaign_id_id_fk";
--> statement-breakpoint
DROP INDEX "scheduled_emails_provider_message_idx";--> statement-breakpoint
CREATE INDEX "scheduled_emails_provider_message_idx" ON "scheduled_emails" USING btree ("provider_message_id") WHERE provider_message_id is not null;