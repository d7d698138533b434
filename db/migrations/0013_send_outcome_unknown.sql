-- An outcome Herald cannot know (the provider's answer was lost past its idempotency window, or it refused a
-- changed payload under a used key) is recorded as unknown: never failed, never re-sent by "rerun failed".
ALTER TYPE "public"."scheduled_email_status" ADD VALUE IF NOT EXISTS 'unknown';
--> statement-breakpoint
ALTER TYPE "public"."recipient_status" ADD VALUE IF NOT EXISTS 'unknown';
