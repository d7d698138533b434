-- A batch is fixed when claimed: the exact request body is kept until the batch is recorded, so a retake under
-- the same Idempotency-Key resends it byte for byte.
CREATE TABLE "send_batches" (
	"campaign_id" bigint NOT NULL,
	"idempotency_key" text NOT NULL,
	"run_id" bigint NOT NULL,
	"payload" text NOT NULL,
	"payload_sha256" text NOT NULL,
	"first_handed_at" timestamp with time zone,
	"created_at" timestamp with time zone DEFAULT now() NOT NULL,
	CONSTRAINT "send_batches_pkey" PRIMARY KEY("campaign_id","idempotency_key")
);
--> statement-breakpoint
ALTER TABLE "send_batches" ADD CONSTRAINT "send_batches_campaign_id_campaigns_id_fk" FOREIGN KEY ("campaign_id") REFERENCES "public"."campaigns"("id") ON DELETE cascade ON UPDATE no action;
--> statement-breakpoint
-- One row per provider: consecutive transient failures open the circuit for every lane of every worker.
CREATE TABLE "provider_health" (
	"provider" text PRIMARY KEY NOT NULL,
	"consecutive_failures" integer DEFAULT 0 NOT NULL,
	"unavailable_since" timestamp with time zone,
	"retry_at" timestamp with time zone,
	"last_error" text,
	"updated_at" timestamp with time zone DEFAULT now() NOT NULL
);
--> statement-breakpoint
-- Which job works each lane of a run, kept alive by its heartbeat: at most SEND_LANES lanes work a run at once.
CREATE TABLE "send_lanes" (
	"campaign_id" bigint NOT NULL,
	"run_id" bigint NOT NULL,
	"lane" smallint NOT NULL,
	"worker_id" text,
	"lease_until" timestamp with time zone DEFAULT now() NOT NULL,
	CONSTRAINT "send_lanes_pkey" PRIMARY KEY("campaign_id","run_id","lane")
);
--> statement-breakpoint
ALTER TABLE "send_lanes" ADD CONSTRAINT "send_lanes_campaign_id_campaigns_id_fk" FOREIGN KEY ("campaign_id") REFERENCES "public"."campaigns"("id") ON DELETE cascade ON UPDATE no action;
--> statement-breakpoint
CREATE INDEX "scheduled_emails_locked_by_idx" ON "scheduled_emails" USING btree ("locked_by") WHERE status = 'sending';
