-- SMS senders become sender identities (decision 045): a channel, the Twilio
-- number or Messaging Service SID in sms_sender, and from_email only for email.
-- Existing identities are email ones; nothing else changes for them.
ALTER TABLE "sender_identities" ALTER COLUMN "from_email" DROP NOT NULL;--> statement-breakpoint
ALTER TABLE "sender_identities" ADD COLUMN "channel" "message_channel" DEFAULT 'email' NOT NULL;--> statement-breakpoint
ALTER TABLE "sender_identities" ADD COLUMN "sms_sender" text;--> statement-breakpoint
CREATE UNIQUE INDEX "sender_identities_sms_sender_key" ON "sender_identities" USING btree ("sms_sender");--> statement-breakpoint
ALTER TABLE "sender_identities" ADD CONSTRAINT "sender_identities_channel_check" CHECK (("sender_identities"."channel" = 'email' and "sender_identities"."from_email" is not null and "sender_identities"."sms_sender" is null) or ("sender_identities"."channel" = 'sms' and "sender_identities"."sms_sender" is not null and "sender_identities"."from_email" is null));