-- A run writes one recipient row per lead and one email row per recipient and step: a
-- million of each for a large campaign, in two INSERT … SELECT statements that derive
-- every row from its parent (the lead, the run, the recipient) in the same transaction.
-- Row-level foreign keys checked and locked the parent once per inserted row: about half
-- of a 1,000,000-recipient run start on PostgreSQL 15. They are replaced by cascades kept
-- by statement triggers on the parents (a deleted campaign takes its runs by their own
-- foreign key, a run or a lead its recipients, a recipient its emails). Decision 013.
ALTER TABLE "run_recipients" DROP CONSTRAINT "run_recipients_campaign_id_campaigns_id_fk";--> statement-breakpoint
ALTER TABLE "run_recipients" DROP CONSTRAINT "run_recipients_lead_id_leads_id_fk";--> statement-breakpoint
ALTER TABLE "run_recipients" DROP CONSTRAINT "run_recipients_campaign_id_run_id_campaign_runs_campaign_id_id_";--> statement-breakpoint
ALTER TABLE "scheduled_emails" DROP CONSTRAINT "scheduled_emails_campaign_id_recipient_id_run_recipients_campai";--> statement-breakpoint
-- Nothing frequent reads recipients by (run, status); the run's unique key serves the rare
-- per-run filters, and every send no longer moves an entry of this index.
DROP INDEX "run_recipients_run_status_idx";--> statement-breakpoint
CREATE OR REPLACE FUNCTION herald_run_deleted() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
  DELETE FROM run_recipients r USING old_rows o WHERE r.campaign_id = o.campaign_id AND r.run_id = o.id;
  RETURN NULL;
END $$;
--> statement-breakpoint
CREATE TRIGGER campaign_runs_cascade AFTER DELETE ON campaign_runs
  REFERENCING OLD TABLE AS old_rows FOR EACH STATEMENT EXECUTE FUNCTION herald_run_deleted();
--> statement-breakpoint
CREATE OR REPLACE FUNCTION herald_lead_deleted() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
  DELETE FROM run_recipients r USING old_rows o WHERE r.lead_id = o.id;
  RETURN NULL;
END $$;
--> statement-breakpoint
CREATE TRIGGER leads_cascade_recipients AFTER DELETE ON leads
  REFERENCING OLD TABLE AS old_rows FOR EACH STATEMENT EXECUTE FUNCTION herald_lead_deleted();
--> statement-breakpoint
CREATE OR REPLACE FUNCTION herald_recipient_deleted() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
  DELETE FROM scheduled_emails e USING old_rows o WHERE e.campaign_id = o.campaign_id AND e.recipient_id = o.id;
  RETURN NULL;
END $$;
--> statement-breakpoint
CREATE TRIGGER run_recipients_cascade AFTER DELETE ON run_recipients
  REFERENCING OLD TABLE AS old_rows FOR EACH STATEMENT EXECUTE FUNCTION herald_recipient_deleted();
