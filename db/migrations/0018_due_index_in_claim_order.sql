-- The claim reads "pending, due, in (scheduled_for, id) order, limit 100". Every email of a
-- run usually shares one scheduled_for, so without id in the key the planner had to read and
-- sort every pending email of the run per batch. With it, the index yields rows in claim
-- order and the LIMIT stops after the batch, whatever the run's size or statistics.
DROP INDEX "scheduled_emails_due_idx";--> statement-breakpoint
CREATE INDEX "scheduled_emails_due_idx" ON "scheduled_emails" USING btree ("campaign_id","run_id","scheduled_for","id") WHERE status = 'pending';
