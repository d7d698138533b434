-- Bursts are judged by the fold, not in the recording statement (docs/decisions/023):
-- the click redirect records a click like the open pixel records an open, and the
-- fold, once every click of the burst window is in the log, looks at each email's
-- clicks around the ones it is about to count. What it finds goes into
-- click_bursts, beside the log, so the log stays append-only; email_events_judged
-- is the log with those verdicts folded in, and everything that reads machine
-- flags or reasons reads it. The clicks index now leads to one email's clicks in
-- time order (the fold's probe) and still serves the per-link tables.
CREATE TABLE "click_bursts" (
	"campaign_id" bigint NOT NULL,
	"event_id" bigint NOT NULL,
	"occurred_at" timestamp with time zone NOT NULL,
	"created_at" timestamp with time zone DEFAULT now() NOT NULL,
	CONSTRAINT "click_bursts_campaign_id_event_id_pk" PRIMARY KEY("campaign_id","event_id")
);
--> statement-breakpoint
DROP INDEX "email_events_clicks_idx";--> statement-breakpoint
ALTER TABLE "event_folds" ADD COLUMN "event_id" bigint;--> statement-breakpoint
ALTER TABLE "event_folds" ADD COLUMN "scheduled_email_id" bigint;--> statement-breakpoint
CREATE INDEX "email_events_clicks_idx" ON "email_events" USING btree ("campaign_id","run_id","scheduled_email_id","occurred_at") WHERE type = 'clicked';
--> statement-breakpoint
-- Clicks queued before this migration: their event, so the fold can judge them.
UPDATE "event_folds" f SET "event_id" = e.id, "scheduled_email_id" = e.scheduled_email_id
FROM "email_events" e
WHERE f.type = 'clicked' AND e.campaign_id = f.campaign_id AND e.recipient_id = f.recipient_id AND e.type = 'clicked' AND e.occurred_at = f.occurred_at;
--> statement-breakpoint
CREATE VIEW "email_events_judged" AS
SELECT e.campaign_id, e.id, e.run_id, e.recipient_id, e.scheduled_email_id, e.type, e.occurred_at,
  CASE WHEN b.event_id IS NOT NULL AND NOT coalesce(e.data->'machineReasons' ? 'burst', false)
       THEN jsonb_set(e.data, '{machineReasons}', coalesce(e.data->'machineReasons', '[]'::jsonb) || '["burst"]'::jsonb)
       ELSE e.data END AS data,
  e.machine OR b.event_id IS NOT NULL AS machine,
  e.user_agent, e.ip, e.provider_event_id, e.created_at
FROM "email_events" e
LEFT JOIN "click_bursts" b ON b.campaign_id = e.campaign_id AND b.event_id = e.id;
--> statement-breakpoint
-- Dropping a month of the log drops its bursts too.
CREATE OR REPLACE FUNCTION herald_drop_event_partitions(p_before date) RETURNS integer
LANGUAGE plpgsql AS $$
DECLARE
  r record;
  dropped integer := 0;
BEGIN
  FOR r IN
    SELECT c.relname
    FROM pg_inherits i
    JOIN pg_class c ON c.oid = i.inhrelid
    WHERE i.inhparent = 'email_events'::regclass
      AND c.relname ~ '^email_events_p[0-9]{4}_[0-9]{2}$'
      AND to_date(substr(c.relname, 15), 'YYYY_MM') + interval '1 month' <= p_before
  LOOP
    EXECUTE format('DROP TABLE %I', r.relname);
    dropped := dropped + 1;
  END LOOP;
  DELETE FROM click_bursts WHERE occurred_at < date_trunc('month', p_before::timestamp) AT TIME ZONE 'UTC';
  RETURN dropped;
END $$;
