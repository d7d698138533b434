DROP INDEX "scheduled_emails_due_idx";--> statement-breakpoint
CREATE INDEX "scheduled_emails_batch_idx" ON "scheduled_emails" USING btree ("campaign_id","idempotency_key") WHERE status = 'sending';--> statement-breakpoint
CREATE INDEX "scheduled_emails_due_idx" ON "scheduled_emails" USING btree ("campaign_id","run_id","scheduled_for") WHERE status = 'pending';