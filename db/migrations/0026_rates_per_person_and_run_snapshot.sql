-- Rates per person: how many people a run has mailed (at least one email
-- handed to the provider) and how many of them bounced. Kept by a
-- statement-level trigger on run_recipients, so the send path and the fold
-- need no code of their own and each statement costs one small update.
ALTER TABLE "campaign_runs" ADD COLUMN "people_sent" integer DEFAULT 0 NOT NULL;
--> statement-breakpoint
ALTER TABLE "campaign_runs" ADD COLUMN "people_bounced" integer DEFAULT 0 NOT NULL;
--> statement-breakpoint
ALTER TABLE "campaigns" ADD COLUMN "people_sent" integer DEFAULT 0 NOT NULL;
--> statement-breakpoint
ALTER TABLE "campaigns" ADD COLUMN "people_bounced" integer DEFAULT 0 NOT NULL;
--> statement-breakpoint
ALTER TABLE "campaign_daily_stats" ADD COLUMN "people_sent" integer DEFAULT 0 NOT NULL;
--> statement-breakpoint
UPDATE "campaign_runs" r SET people_sent = x.sent, people_bounced = x.bounced
FROM (
  SELECT campaign_id, run_id, count(*) FILTER (WHERE first_sent_at IS NOT NULL)::int AS sent,
         count(*) FILTER (WHERE first_sent_at IS NOT NULL AND bounced_at IS NOT NULL)::int AS bounced
  FROM run_recipients GROUP BY 1, 2
) x
WHERE r.campaign_id = x.campaign_id AND r.id = x.run_id;
--> statement-breakpoint
UPDATE "campaigns" c SET people_sent = x.sent, people_bounced = x.bounced
FROM (SELECT campaign_id, sum(people_sent)::int AS sent, sum(people_bounced)::int AS bounced FROM campaign_runs GROUP BY 1) x
WHERE c.id = x.campaign_id;
--> statement-breakpoint
INSERT INTO campaign_daily_stats (campaign_id, run_id, day, people_sent)
SELECT campaign_id, run_id, (first_sent_at AT TIME ZONE 'UTC')::date, count(*)::int
FROM run_recipients WHERE first_sent_at IS NOT NULL GROUP BY 1, 2, 3
ON CONFLICT (campaign_id, run_id, day) DO UPDATE SET people_sent = excluded.people_sent;
--> statement-breakpoint
CREATE OR REPLACE FUNCTION herald_people_counters() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
  WITH d AS (
    SELECT n.campaign_id, n.run_id, (n.first_sent_at AT TIME ZONE 'UTC')::date AS day,
           count(*) FILTER (WHERE o.first_sent_at IS NULL)::int AS sent,
           count(*) FILTER (WHERE n.bounced_at IS NOT NULL AND (o.bounced_at IS NULL OR o.first_sent_at IS NULL))::int AS bounced
    FROM new_rows n JOIN old_rows o ON o.campaign_id = n.campaign_id AND o.id = n.id
    WHERE n.first_sent_at IS NOT NULL
      AND (o.first_sent_at IS NULL OR (n.bounced_at IS NOT NULL AND o.bounced_at IS NULL))
    GROUP BY 1, 2, 3
  ), runs AS (
    UPDATE campaign_runs r SET people_sent = r.people_sent + x.sent, people_bounced = r.people_bounced + x.bounced
    FROM (SELECT campaign_id, run_id, sum(sent)::int AS sent, sum(bounced)::int AS bounced FROM d GROUP BY 1, 2) x
    WHERE r.campaign_id = x.campaign_id AND r.id = x.run_id
    RETURNING 1
  ), camps AS (
    UPDATE campaigns c SET people_sent = c.people_sent + x.sent, people_bounced = c.people_bounced + x.bounced
    FROM (SELECT campaign_id, sum(sent)::int AS sent, sum(bounced)::int AS bounced FROM d GROUP BY 1) x
    WHERE c.id = x.campaign_id
    RETURNING 1
  )
  INSERT INTO campaign_daily_stats (campaign_id, run_id, day, people_sent)
  SELECT campaign_id, run_id, day, sent FROM d WHERE sent > 0
  ON CONFLICT (campaign_id, run_id, day) DO UPDATE SET people_sent = campaign_daily_stats.people_sent + excluded.people_sent;
  RETURN NULL;
END $$;
--> statement-breakpoint
CREATE TRIGGER run_recipients_people_counters AFTER UPDATE ON run_recipients
  REFERENCING OLD TABLE AS old_rows NEW TABLE AS new_rows FOR EACH STATEMENT EXECUTE FUNCTION herald_people_counters();
--> statement-breakpoint
-- What a run sends, fixed when it starts: each step's template content and
-- timing. Later template or step edits apply to the next run unless the user
-- applies them to the running one.
CREATE TABLE "run_steps" (
  "campaign_id" bigint NOT NULL,
  "run_id" bigint NOT NULL,
  "step_number" smallint NOT NULL,
  "template_id" bigint NOT NULL,
  "template_name" text NOT NULL,
  "subject" text NOT NULL,
  "html" text NOT NULL,
  "text" text NOT NULL,
  "delay_minutes" integer NOT NULL,
  "stop_on_reply" boolean NOT NULL,
  "created_at" timestamp with time zone DEFAULT now() NOT NULL,
  CONSTRAINT "run_steps_pkey" PRIMARY KEY ("campaign_id", "run_id", "step_number"),
  CONSTRAINT "run_steps_run_fk" FOREIGN KEY ("campaign_id", "run_id") REFERENCES "campaign_runs" ("campaign_id", "id") ON DELETE cascade
);
--> statement-breakpoint
CREATE INDEX "run_steps_template_idx" ON "run_steps" ("template_id");
