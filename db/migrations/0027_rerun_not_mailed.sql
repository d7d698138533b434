-- Rerun for the recipients of the previous run who were never mailed (a cancelled or failed run).
ALTER TYPE "run_audience" ADD VALUE IF NOT EXISTS 'not_mailed';
