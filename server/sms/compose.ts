import type { Config } from "../config";
import type { BatchRow, CampaignForSending, TemplateRow } from "../sending/compose";
import type { OutgoingEmail } from "../sending/transport";
import { mergeDataFor, renderString } from "../templates/render";
import { withOptOut } from "../../shared/sms-segments";

/**
 * A text message for one recipient: the step's body with merge tags filled
 * in as plain text, ending with the opt-out line (added if a stored body ever
 * lacks it), sent from `from` (the SMS sender chosen at claim: a number or a
 * Messaging Service SID; without any, the Outbox shows "Herald"), with a
 * status callback naming the message (the URL is signed by Twilio, so it
 * cannot be forged).
 */
export function composeSms(row: BatchRow, template: TemplateRow, campaign: CampaignForSending, config: Config, from: string | null): OutgoingEmail {
  const body = withOptOut(renderString(template.text, mergeDataFor({ email: row.email, firstName: row.first_name, lastName: row.last_name, company: row.company, attributes: row.attributes }), "text"));
  return {
    campaignId: campaign.id,
    scheduledEmailId: row.id,
    channel: "sms",
    from: from ?? "Herald",
    to: row.phone!,
    replyTo: null,
    subject: "",
    html: "",
    text: body,
    headers: {},
    tags: [],
    statusCallback: `${config.publicUrl}/webhooks/twilio/status?c=${campaign.id}&m=${row.id}`,
  };
}
