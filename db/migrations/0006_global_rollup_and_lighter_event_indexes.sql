ALTER TYPE "public"."email_event_type" ADD VALUE 'daily_totals';--> statement-breakpoint
CREATE TABLE "global_daily_stats" (
	"day" date NOT NULL,
	"shard" smallint NOT NULL,
	"sent" integer DEFAULT 0 NOT NULL,
	"delivered" integer DEFAULT 0 NOT NULL,
	"delivery_delayed" integer DEFAULT 0 NOT NULL,
	"failed" integer DEFAULT 0 NOT NULL,
	"bounced" integer DEFAULT 0 NOT NULL,
	"complained" integer DEFAULT 0 NOT NULL,
	"opened" integer DEFAULT 0 NOT NULL,
	"unique_opened" integer DEFAULT 0 NOT NULL,
	"machine_opened" integer DEFAULT 0 NOT NULL,
	"clicked" integer DEFAULT 0 NOT NULL,
	"unique_clicked" integer DEFAULT 0 NOT NULL,
	"replied" integer DEFAULT 0 NOT NULL,
	"unsubscribed" integer DEFAULT 0 NOT NULL,
	CONSTRAINT "global_daily_stats_day_shard_pk" PRIMARY KEY("day","shard")
);
--> statement-breakpoint
DROP INDEX "email_events_occurred_at_idx";--> statement-breakpoint
DROP INDEX "email_events_recipient_idx";--> statement-breakpoint
CREATE INDEX "email_events_recipient_idx" ON "email_events" USING btree ("campaign_id","recipient_id") WHERE recipient_id is not null;