CREATE TYPE "public"."phone_suppression_reason" AS ENUM('opt_out', 'manual');--> statement-breakpoint
CREATE TYPE "public"."message_channel" AS ENUM('email', 'sms');--> statement-breakpoint
ALTER TYPE "public"."email_event_type" ADD VALUE 'sms_sent';--> statement-breakpoint
ALTER TYPE "public"."email_event_type" ADD VALUE 'sms_queued';--> statement-breakpoint
ALTER TYPE "public"."email_event_type" ADD VALUE 'sms_dispatched';--> statement-breakpoint
ALTER TYPE "public"."email_event_type" ADD VALUE 'sms_delivered';--> statement-breakpoint
ALTER TYPE "public"."email_event_type" ADD VALUE 'sms_undelivered';--> statement-breakpoint
ALTER TYPE "public"."email_event_type" ADD VALUE 'sms_failed';--> statement-breakpoint
ALTER TYPE "public"."email_event_type" ADD VALUE 'sms_replied';--> statement-breakpoint
ALTER TYPE "public"."email_event_type" ADD VALUE 'sms_opted_out';--> statement-breakpoint
ALTER TYPE "public"."email_event_type" ADD VALUE 'sms_opted_in';--> statement-breakpoint
CREATE TABLE "phone_suppressions" (
	"phone" text PRIMARY KEY NOT NULL,
	"reason" "phone_suppression_reason" NOT NULL,
	"note" text DEFAULT '' NOT NULL,
	"campaign_id" bigint,
	"created_at" timestamp with time zone DEFAULT now() NOT NULL
);
--> statement-breakpoint
CREATE TABLE "sms_messages" (
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
ALTER TABLE "leads" ADD COLUMN "phone" text;--> statement-breakpoint
ALTER TABLE "leads" ADD COLUMN "phone_time_zone" text;--> statement-breakpoint
ALTER TABLE "templates" ADD COLUMN "channel" "message_channel" DEFAULT 'email' NOT NULL;--> statement-breakpoint
ALTER TABLE "campaign_runs" ADD COLUMN "sms_sent" integer DEFAULT 0 NOT NULL;--> statement-breakpoint
ALTER TABLE "campaign_runs" ADD COLUMN "sms_delivered" integer DEFAULT 0 NOT NULL;--> statement-breakpoint
ALTER TABLE "campaign_runs" ADD COLUMN "sms_failed" integer DEFAULT 0 NOT NULL;--> statement-breakpoint
ALTER TABLE "campaign_runs" ADD COLUMN "sms_replied" integer DEFAULT 0 NOT NULL;--> statement-breakpoint
ALTER TABLE "campaign_runs" ADD COLUMN "sms_opted_out" integer DEFAULT 0 NOT NULL;--> statement-breakpoint
ALTER TABLE "campaigns" ADD COLUMN "sms_sent" integer DEFAULT 0 NOT NULL;--> statement-breakpoint
ALTER TABLE "campaigns" ADD COLUMN "sms_delivered" integer DEFAULT 0 NOT NULL;--> statement-breakpoint
ALTER TABLE "campaigns" ADD COLUMN "sms_failed" integer DEFAULT 0 NOT NULL;--> statement-breakpoint
ALTER TABLE "campaigns" ADD COLUMN "sms_replied" integer DEFAULT 0 NOT NULL;--> statement-breakpoint
ALTER TABLE "campaigns" ADD COLUMN "sms_opted_out" integer DEFAULT 0 NOT NULL;--> statement-breakpoint
ALTER TABLE "sequence_steps" ADD COLUMN "channel" "message_channel" DEFAULT 'email' NOT NULL;--> statement-breakpoint
ALTER TABLE "campaign_daily_stats" ADD COLUMN "sms_sent" integer DEFAULT 0 NOT NULL;--> statement-breakpoint
ALTER TABLE "campaign_daily_stats" ADD COLUMN "sms_delivered" integer DEFAULT 0 NOT NULL;--> statement-breakpoint
ALTER TABLE "campaign_daily_stats" ADD COLUMN "sms_failed" integer DEFAULT 0 NOT NULL;--> statement-breakpoint
ALTER TABLE "campaign_daily_stats" ADD COLUMN "sms_replied" integer DEFAULT 0 NOT NULL;--> statement-breakpoint
ALTER TABLE "campaign_daily_stats" ADD COLUMN "sms_opted_out" integer DEFAULT 0 NOT NULL;--> statement-breakpoint
ALTER TABLE "outbox_messages" ADD COLUMN "channel" "message_channel" DEFAULT 'email' NOT NULL;--> statement-breakpoint
CREATE UNIQUE INDEX "sms_messages_sid_key" ON "sms_messages" USING btree ("sid") WHERE sid is not null;--> statement-breakpoint
CREATE INDEX "sms_messages_to_phone_idx" ON "sms_messages" USING btree ("to_phone","handed_at");--> statement-breakpoint
CREATE INDEX "leads_phone_idx" ON "leads" USING btree ("phone") WHERE phone is not null;