-- Each CSV import's report, with the rejected lines as read, so they can be
-- downloaded as a CSV to fix and import again.
CREATE TABLE "lead_imports" (
  "id" bigint PRIMARY KEY GENERATED ALWAYS AS IDENTITY NOT NULL,
  "list_name" text,
  "header" jsonb DEFAULT '[]'::jsonb NOT NULL,
  "rows" integer DEFAULT 0 NOT NULL,
  "created" integer DEFAULT 0 NOT NULL,
  "updated" integer DEFAULT 0 NOT NULL,
  "unchanged" integer DEFAULT 0 NOT NULL,
  "duplicates" integer DEFAULT 0 NOT NULL,
  "rejected_count" integer DEFAULT 0 NOT NULL,
  "rejected" jsonb DEFAULT '[]'::jsonb NOT NULL,
  "created_at" timestamp with time zone DEFAULT now() NOT NULL
);
--> statement-breakpoint
CREATE INDEX "lead_imports_created_at_idx" ON "lead_imports" ("created_at");
