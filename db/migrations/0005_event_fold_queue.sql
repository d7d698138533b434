CREATE TABLE "event_folds" (
	"id" bigint PRIMARY KEY GENERATED ALWAYS AS IDENTITY (sequence name "event_folds_id_seq" INCREMENT BY 1 MINVALUE 1 MAXVALUE 9223372036854775807 START WITH 1 CACHE 1),
	"campaign_id" bigint NOT NULL,
	"run_id" bigint NOT NULL,
	"recipient_id" bigint NOT NULL,
	"type" "email_event_type" NOT NULL,
	"machine" boolean DEFAULT false NOT NULL,
	"occurred_at" timestamp with time zone NOT NULL
);
