const n = new Intl.NumberFormat("en-US");

/**
 * The human sentence kept in campaigns.last_run_result (and mirrored to the
 * Control base's "Last Run Result"), e.g. "Run 3 completed: 9,812 sent, 41
 * failed, 2,304 opened". A run with text messages says which figures are
 * emails and adds the texts: "Run 3 completed: 40 emails sent, 0 failed, 12
 * opened; 38 texts sent, 2 failed".
 */
export function runSummary(run: { runNumber: number; status: string; sent: number; failed: number; opened: number; smsSent?: number; smsFailed?: number; failureReason?: string | null }): string {
  const verb = { COMPLETED: "completed", CANCELLED: "cancelled", FAILED: "failed", PAUSED: "paused", SENDING: "sending", SCHEDULED: "scheduled", PENDING: "pending" }[run.status] ?? run.status.toLowerCase();
  const texts = (run.smsSent ?? 0) + (run.smsFailed ?? 0) > 0;
  const parts: string[] = [];
  if (!texts || run.sent + run.failed > 0) parts.push(`${n.format(run.sent)} ${texts ? "emails " : ""}sent, ${n.format(run.failed)} failed, ${n.format(run.opened)} opened`);
  if (texts) parts.push(`${n.format(run.smsSent ?? 0)} texts sent, ${n.format(run.smsFailed ?? 0)} failed`);
  return `Run ${run.runNumber} ${verb}: ${parts.join("; ")}${run.status === "FAILED" && run.failureReason ? ` (${run.failureReason})` : ""}`;
}

/** "120 sent, 0 failed"; with texts, which are which: "10 emails sent, 0 failed; 5 texts sent, 1 failed" (or only the texts, when no email went). */
export function sentAndFailed(run: { sent: number; failed: number; smsSent?: number; smsFailed?: number }): string {
  const texts = (run.smsSent ?? 0) + (run.smsFailed ?? 0) > 0;
  const parts: string[] = [];
  if (!texts || run.sent + run.failed > 0) parts.push(`${n.format(run.sent)} ${texts ? "emails " : ""}sent, ${n.format(run.failed)} failed`);
  if (texts) parts.push(`${n.format(run.smsSent ?? 0)} texts sent, ${n.format(run.smsFailed ?? 0)} failed`);
  return parts.join("; ");
}

/** What a run's messages are called: emails, texts, or messages when its steps use both channels. */
export function messageWords(steps: { email: number; sms: number }): { one: string; many: string } {
  if (!steps.sms) return { one: "email", many: "emails" };
  return steps.email ? { one: "message", many: "messages" } : { one: "text", many: "texts" };
}
