const n = new Intl.NumberFormat("en-US");

/** The human sentence kept in campaigns.last_run_result, e.g. "Run 3 completed: 9,812 sent, 41 failed, 2,304 opened". */
export function runSummary(run: { runNumber: number; status: string; sent: number; failed: number; opened: number; failureReason?: string | null }): string {
  const verb = { COMPLETED: "completed", CANCELLED: "cancelled", FAILED: "failed", PAUSED: "paused", SENDING: "sending", SCHEDULED: "scheduled", PENDING: "pending" }[run.status] ?? run.status.toLowerCase();
  const counts = `${n.format(run.sent)} sent, ${n.format(run.failed)} failed, ${n.format(run.opened)} opened`;
  return `Run ${run.runNumber} ${verb}: ${counts}${run.status === "FAILED" && run.failureReason ? ` (${run.failureReason})` : ""}`;
}
