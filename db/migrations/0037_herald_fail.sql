-- A statement that finds something it must not commit says so in a sentence and aborts its
-- transaction. The outbox's batches send COMMIT right behind their last statements without
-- waiting for their answers (docs/decisions/028), so the checks that used to run in Node
-- between the recording and the COMMIT (every claimed email recorded, no outbox message
-- already there) run inside those statements and fail them instead.
CREATE OR REPLACE FUNCTION herald_fail(message text) RETURNS integer LANGUAGE plpgsql AS $$
BEGIN
  RAISE EXCEPTION USING MESSAGE = message, ERRCODE = 'P0001';
END
$$;
