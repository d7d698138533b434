-- 0032_sms_channel again, for the databases that skipped it. drizzle applies a migration
-- only when its journal time is later than the last one applied, and 0032's journal time
-- (1795484106405) is earlier than 0031's (1795560000005): a database migrated to 0031
-- before 0032 existed went straight on to 0033, without the SMS tables and columns.
-- Every statement here is a no-op where 0032 ran. The journal's times now only increase
-- (tests/integration/migrations.test.ts).
DO $$ BEGIN CREATE TYPE "public"."phone_suppression_reason" AS ENUM('opt_out', 'manual'); EXCEPTION WHEN duplicate_object THEN NULL; END $$;
--> statement-breakpoint
DO $$ BEGIN CREATE TYPE "public"."message_channel" AS ENUM('email', 'sms'); EXCEPTION WHEN duplicate_object THEN NULL; END $$;
--> statement-breakpoint
ALTER TYPE "public"."email_event_type" ADD VALUE IF NOT EXISTS 'sms_sent';
--> statement-breakpoint
ALTER TYPE "public"."email_event_type" ADD VALUE IF NOT EXISTS 'sms_queued';
--> statement-breakpoint
ALTER TYPE "public"."email_event_type" ADD VALUE IF NOT EXISTS 'sms_dispatched';
--> statement-breakpoint
ALTER TYPE "public"."email_event_type" ADD VALUE IF NOT EXISTS 'sms_delivered';
--> statement-breakpoint
ALTER TYPE "public"."email_event_type" ADD VALUE IF NOT EXISTS 'sms_undelivered';
--> statement-breakpoint
ALTER TYPE "public"."email_event_type" ADD VALUE IF NOT EXISTS 'sms_failed';
--> statement-breakpoint
ALTER TYPE "public"."email_event_type" ADD VALUE IF NOT EXISTS 'sms_replied';
--> statement-breakpoint
ALTER TYPE "public"."email_event_type" ADD VALUE IF NOT EXISTS 'sms_opted_out';
--> statement-breakpoint
ALTER TYPE "public"."email_event_type" ADD VALUE IF NOT EXISTS 'sms_opted_in';
--> statement-breakpoint
CREATE TABLE IF NOT EXISTS "phone_suppressions" (
	"phone" text PRIMARY KEY NOT NULL,
	"reason" "phone_suppression_reason" NOT NULL,
	"note" text DEFAULT '' NOT NULL,
	"campaign_id" bigint,
	"created_at" timestamp with time zone DEFAULT now() NOT NULL
);
--> statement-breakpoint
CREATE TABLE IF NOT EXISTS "sms_messages" (
	"campaign_id" bigint NOT NULL,
	"scheduled_email_id" bigint NOT NULL,
	"run_id" bigint NOT NULL,
	"to_phone" text NOT NULL,
	"sender" text NOT NULL,
	"body_sha256" text NOT NULL,
	"handed_at" timestamp with time zone DEFAULT now() NOT NULL,
	"sid" text,
	"status" text,
	"error_code" integer,
	"price" text,
	"price_unit" text,
	"updated_at" timestamp with time zone DEFAULT now() NOT NULL,
	CONSTRAINT "sms_messages_pkey" PRIMARY KEY("campaign_id","scheduled_email_id")
);
--> statement-breakpoint
ALTER TABLE "leads" ADD COLUMN IF NOT EXISTS "phone" text;
--> statement-breakpoint
ALTER TABLE "leads" ADD COLUMN IF NOT EXISTS "phone_time_zone" text;
--> statement-breakpoint
ALTER TABLE "templates" ADD COLUMN IF NOT EXISTS "channel" "message_channel" DEFAULT 'email' NOT NULL;
--> statement-breakpoint
ALTER TABLE "campaign_runs" ADD COLUMN IF NOT EXISTS "sms_sent" integer DEFAULT 0 NOT NULL;
--> statement-breakpoint
ALTER TABLE "campaign_runs" ADD COLUMN IF NOT EXISTS "sms_delivered" integer DEFAULT 0 NOT NULL;
--> statement-breakpoint
ALTER TABLE "campaign_runs" ADD COLUMN IF NOT EXISTS "sms_failed" integer DEFAULT 0 NOT NULL;
--> statement-breakpoint
ALTER TABLE "campaign_runs" ADD COLUMN IF NOT EXISTS "sms_replied" integer DEFAULT 0 NOT NULL;
--> statement-breakpoint
ALTER TABLE "campaign_runs" ADD COLUMN IF NOT EXISTS "sms_opted_out" integer DEFAULT 0 NOT NULL;
--> statement-breakpoint
ALTER TABLE "campaigns" ADD COLUMN IF NOT EXISTS "sms_sent" integer DEFAULT 0 NOT NULL;
--> statement-breakpoint
ALTER TABLE "campaigns" ADD COLUMN IF NOT EXISTS "sms_delivered" integer DEFAULT 0 NOT NULL;
--> statement-breakpoint
ALTER TABLE "campaigns" ADD COLUMN IF NOT EXISTS "sms_failed" integer DEFAULT 0 NOT NULL;
--> statement-breakpoint
ALTER TABLE "campaigns" ADD COLUMN IF NOT EXISTS "sms_replied" integer DEFAULT 0 NOT NULL;
--> statement-breakpoint
ALTER TABLE "campaigns" ADD COLUMN IF NOT EXISTS "sms_opted_out" integer DEFAULT 0 NOT NULL;
--> statement-breakpoint
ALTER TABLE "sequence_steps" ADD COLUMN IF NOT EXISTS "channel" "message_channel" DEFAULT 'email' NOT NULL;
--> statement-breakpoint
ALTER TABLE "campaign_daily_stats" ADD COLUMN IF NOT EXISTS "sms_sent" integer DEFAULT 0 NOT NULL;
--> statement-breakpoint
ALTER TABLE "campaign_daily_stats" ADD COLUMN IF NOT EXISTS "sms_delivered" integer DEFAULT 0 NOT NULL;
--> statement-breakpoint
ALTER TABLE "campaign_daily_stats" ADD COLUMN IF NOT EXISTS "sms_failed" integer DEFAULT 0 NOT NULL;
--> statement-breakpoint
ALTER TABLE "campaign_daily_stats" ADD COLUMN IF NOT EXISTS "sms_replied" integer DEFAULT 0 NOT NULL;
--> statement-breakpoint
ALTER TABLE "campaign_daily_stats" ADD COLUMN IF NOT EXISTS "sms_opted_out" integer DEFAULT 0 NOT NULL;
--> statement-breakpoint
ALTER TABLE "outbox_messages" ADD COLUMN IF NOT EXISTS "channel" "message_channel" DEFAULT 'email' NOT NULL;
--> statement-breakpoint
CREATE UNIQUE INDEX IF NOT EXISTS "sms_messages_sid_key" ON "sms_messages" USING btree ("sid") WHERE sid is not null;
--> statement-breakpoint
CREATE INDEX IF NOT EXISTS "sms_messages_to_phone_idx" ON "sms_messages" USING btree ("to_phone","handed_at");
--> statement-breakpoint
CREATE INDEX IF NOT EXISTS "leads_phone_idx" ON "leads" USING btree ("phone") WHERE phone is not null;
