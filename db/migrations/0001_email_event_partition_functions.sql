-- Monthly partitions of email_events, named email_events_pYYYY_MM.
-- Created ahead of time by herald_ensure_event_partitions (at migrate and by a
-- daily cron job) and dropped after the retention period.
CREATE OR REPLACE FUNCTION herald_ensure_event_partitions(p_from date, p_to date) RETURNS integer
LANGUAGE plpgsql AS $$
DECLARE
  m date := date_trunc('month', p_from)::date;
  created integer := 0;
  part text;
BEGIN
  WHILE m <= p_to LOOP
    part := format('email_events_p%s', to_char(m, 'YYYY_MM'));
    IF to_regclass(part) IS NULL THEN
      EXECUTE format(
        'CREATE TABLE %I PARTITION OF email_events FOR VALUES FROM (%L) TO (%L)',
        part, m::timestamp AT TIME ZONE 'UTC', (m + interval '1 month')::timestamp AT TIME ZONE 'UTC'
      );
      created := created + 1;
    END IF;
    m := (m + interval '1 month')::date;
  END LOOP;
  RETURN created;
END $$;
--> statement-breakpoint
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
  RETURN dropped;
END $$;
--> statement-breakpoint
SELECT herald_ensure_event_partitions((now() - interval '24 months')::date, (now() + interval '3 months')::date);
