/** The run page's recipient filters, read the same way by the page and its CSV export. */
export const RECIPIENT_STATUSES = ["pending", "queued", "sent", "failed", "bounced", "unsubscribed", "complained", "skipped"] as const;
export const ENGAGEMENT_OPTIONS = {
  human_opened: "Opened as a person",
  human_clicked: "Clicked as a person",
  not_human_opened: "Mailed, did not open as a person",
  not_human_clicked: "Mailed, did not click as a person",
  replied: "Replied",
  bounced: "Bounced",
  unsubscribed: "Unsubscribed",
} as const;
type Status = (typeof RECIPIENT_STATUSES)[number];
type Engagement = keyof typeof ENGAGEMENT_OPTIONS;

export function recipientQuery(params: URLSearchParams): { status?: Status; engagement?: Engagement; search?: string } {
  const status = params.get("status");
  const engagement = params.get("did");
  return {
    status: RECIPIENT_STATUSES.includes(status as Status) ? (status as Status) : undefined,
    engagement: engagement && engagement in ENGAGEMENT_OPTIONS ? (engagement as Engagement) : undefined,
    search: params.get("q") || undefined,
  };
}
