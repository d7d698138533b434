-- The earliest moment at or after t that falls inside a sending window:
-- ISO weekdays `days` (1 = Monday) and local hours [start_h, end_h) in time zone tz.
-- Used set-based when a run's scheduled emails are written, on resume, and when
-- a sequence step is re-timed after the previous step went out.
CREATE OR REPLACE FUNCTION herald_next_send_time(t timestamptz, tz text, days smallint[], start_h integer, end_h integer)
RETURNS timestamptz LANGUAGE plpgsql STABLE PARALLEL SAFE AS $$
DECLARE
  local_t timestamp;
  h integer;
BEGIN
  IF cardinality(days) = 0 OR (cardinality(days) >= 7 AND start_h <= 0 AND end_h >= 24) THEN
    RETURN t;
  END IF;
  local_t := t AT TIME ZONE tz;
  FOR i IN 0..8 LOOP
    IF extract(isodow FROM local_t)::integer = ANY (days) THEN
      h := extract(hour FROM local_t)::integer;
      IF h >= start_h AND h < end_h THEN
        RETURN local_t AT TIME ZONE tz;
      ELSIF h < start_h THEN
        RETURN (date_trunc('day', local_t) + make_interval(hours => start_h)) AT TIME ZONE tz;
      END IF;
    END IF;
    local_t := date_trunc('day', local_t) + interval '1 day' + make_interval(hours => start_h);
  END LOOP;
  RETURN t;
END $$;
