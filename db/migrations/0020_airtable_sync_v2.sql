-- Echo detection from what Herald wrote: the Status Herald itself sent to the
-- record (and when), never a value read back from Airtable.
-- (last_pushed_status held the value read back after any write, which took an
-- ops edit for Herald's echo; the best guess for existing links is kept.)
ALTER TABLE "sync_links" ADD COLUMN "sent_status" text;
--> statement-breakpoint
ALTER TABLE "sync_links" ADD COLUMN "sent_status_at" timestamp with time zone;
--> statement-breakpoint
UPDATE "sync_links" SET "sent_status" = "last_pushed_status", "sent_status_at" = "last_pushed_at";
--> statement-breakpoint
ALTER TABLE "sync_links" DROP COLUMN "last_pushed_status";
--> statement-breakpoint
-- A record Airtable refuses is set aside alone (retried hourly) and named on the Sync page.
ALTER TABLE "sync_outbox" ADD COLUMN "set_aside_at" timestamp with time zone;
--> statement-breakpoint
ALTER TABLE "sync_outbox" ADD COLUMN "record_id" text;
--> statement-breakpoint
CREATE INDEX "sync_outbox_set_aside_idx" ON "sync_outbox" ("base") WHERE "set_aside_at" IS NOT NULL;
--> statement-breakpoint
-- One round per base at a time, whoever starts it (worker, "Sync now", `herald sync`): a lease.
ALTER TABLE "sync_state" ADD COLUMN "round_owner" text;
--> statement-breakpoint
ALTER TABLE "sync_state" ADD COLUMN "round_until" timestamp with time zone;
--> statement-breakpoint
-- The Airtable pacer (decision 015): every request holds a place from before it
-- leaves until a second after its answer came back, at most `limit` places a base.
CREATE TABLE "airtable_pacer" (
  "key" text PRIMARY KEY NOT NULL,
  "blocked_until" timestamp with time zone
);
--> statement-breakpoint
CREATE TABLE "airtable_requests" (
  "id" bigint PRIMARY KEY GENERATED ALWAYS AS IDENTITY,
  "key" text NOT NULL,
  "reserved_at" timestamp with time zone NOT NULL,
  "done_at" timestamp with time zone
);
--> statement-breakpoint
CREATE INDEX "airtable_requests_key_idx" ON "airtable_requests" ("key", "reserved_at");
--> statement-breakpoint
-- Takes a place for one request, or says how long to wait. A request still in
-- flight after 35 s (longer than the client's timeout) counts as answered then.
CREATE OR REPLACE FUNCTION herald_airtable_take(p_key text, p_limit int, p_hold_ms int)
RETURNS TABLE (ticket bigint, wait_ms float8) LANGUAGE plpgsql AS $$
DECLARE
  t timestamptz;
  blocked timestamptz;
  busy int;
  earliest timestamptz;
  hold interval := make_interval(secs => p_hold_ms / 1000.0);
BEGIN
  INSERT INTO airtable_pacer (key) VALUES (p_key) ON CONFLICT DO NOTHING;
  SELECT p.blocked_until INTO blocked FROM airtable_pacer p WHERE p.key = p_key FOR UPDATE;
  t := clock_timestamp();
  IF blocked IS NOT NULL AND blocked > t THEN
    RETURN QUERY SELECT NULL::bigint, (extract(epoch FROM blocked - t) * 1000)::float8;
    RETURN;
  END IF;
  DELETE FROM airtable_requests r WHERE r.key = p_key AND coalesce(r.done_at, r.reserved_at + interval '35 seconds') + hold <= t;
  SELECT count(*)::int, min(coalesce(r.done_at, t) + hold) INTO busy, earliest FROM airtable_requests r WHERE r.key = p_key;
  IF busy >= p_limit THEN
    RETURN QUERY SELECT NULL::bigint, greatest(10, extract(epoch FROM earliest - t) * 1000)::float8;
    RETURN;
  END IF;
  RETURN QUERY INSERT INTO airtable_requests AS r (key, reserved_at) VALUES (p_key, t) RETURNING r.id, 0::float8;
END $$;
