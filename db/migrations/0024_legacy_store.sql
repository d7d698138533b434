-- Legacy daily statistics live in their own compact store, outside the
-- partitioned event log, so event retention never drops them (decision 016).
CREATE TABLE "legacy_imports" (
	"id" integer PRIMARY KEY GENERATED ALWAYS AS IDENTITY (sequence name "legacy_imports_id_seq" INCREMENT BY 1 MINVALUE 1 MAXVALUE 2147483647 START WITH 1 CACHE 1),
	"source_table" text NOT NULL,
	"checksum" text NOT NULL,
	"source_rows" bigint NOT NULL,
	"receipt" jsonb NOT NULL,
	"imported_at" timestamp with time zone DEFAULT now() NOT NULL,
	CONSTRAINT "legacy_imports_source_table_key" UNIQUE("source_table"),
	CONSTRAINT "legacy_imports_checksum_key" UNIQUE("checksum")
);
--> statement-breakpoint
CREATE TABLE "legacy_campaign_map" (
	"id" integer PRIMARY KEY GENERATED ALWAYS AS IDENTITY (sequence name "legacy_campaign_map_id_seq" INCREMENT BY 1 MINVALUE 1 MAXVALUE 2147483647 START WITH 1 CACHE 1),
	"import_id" integer NOT NULL,
	"source_table" text NOT NULL,
	"legacy_id" text NOT NULL,
	"campaign_id" bigint NOT NULL,
	"run_id" bigint NOT NULL,
	"name" text NOT NULL,
	"source_totals" bigint[] NOT NULL,
	"dimensions" jsonb DEFAULT '{}'::jsonb NOT NULL,
	CONSTRAINT "legacy_campaign_map_source_legacy_id_key" UNIQUE("source_table","legacy_id")
);
--> statement-breakpoint
CREATE TABLE "legacy_daily_stats" (
	"series_id" integer NOT NULL,
	"day" date NOT NULL,
	"sent" integer DEFAULT 0 NOT NULL,
	"opened" integer DEFAULT 0 NOT NULL,
	"replied" integer DEFAULT 0 NOT NULL,
	"positive_replies" integer DEFAULT 0 NOT NULL,
	"bounced" integer DEFAULT 0 NOT NULL,
	"clicked" integer DEFAULT 0 NOT NULL,
	CONSTRAINT "legacy_daily_stats_series_id_day_pk" PRIMARY KEY("series_id","day")
);
--> statement-breakpoint
CREATE TABLE "legacy_global_daily" (
	"day" date PRIMARY KEY NOT NULL,
	"sent" bigint DEFAULT 0 NOT NULL,
	"opened" bigint DEFAULT 0 NOT NULL,
	"replied" bigint DEFAULT 0 NOT NULL,
	"positive_replies" bigint DEFAULT 0 NOT NULL,
	"bounced" bigint DEFAULT 0 NOT NULL,
	"clicked" bigint DEFAULT 0 NOT NULL
);
--> statement-breakpoint
ALTER TABLE "legacy_campaign_map" ADD CONSTRAINT "legacy_campaign_map_import_id_legacy_imports_id_fk" FOREIGN KEY ("import_id") REFERENCES "public"."legacy_imports"("id") ON DELETE cascade ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "legacy_campaign_map" ADD CONSTRAINT "legacy_campaign_map_campaign_id_campaigns_id_fk" FOREIGN KEY ("campaign_id") REFERENCES "public"."campaigns"("id") ON DELETE cascade ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "legacy_campaign_map" ADD CONSTRAINT "legacy_campaign_map_run_fk" FOREIGN KEY ("campaign_id","run_id") REFERENCES "public"."campaign_runs"("campaign_id","id") ON DELETE cascade ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "legacy_daily_stats" ADD CONSTRAINT "legacy_daily_stats_series_id_legacy_campaign_map_id_fk" FOREIGN KEY ("series_id") REFERENCES "public"."legacy_campaign_map"("id") ON DELETE cascade ON UPDATE no action;--> statement-breakpoint
CREATE INDEX "legacy_campaign_map_campaign_idx" ON "legacy_campaign_map" USING btree ("campaign_id","run_id");
