/** Whom a run is for: the whole audience, or a subset of the previous run (a rerun). Shared by the server and the pages. */
export const RUN_AUDIENCES = ["everyone", "failed", "not_opened", "not_clicked", "not_mailed", "not_human_opened", "not_human_clicked"] as const;
export type RunAudience = (typeof RUN_AUDIENCES)[number];

/** Who each rerun choice means, in plain words (the pre-flight and the refusal say it). */
export const AUDIENCE_LABELS: Record<RunAudience, string> = {
  everyone: "everyone in the audience",
  failed: "only failed recipients",
  not_opened: "only those mailed who did not open",
  not_clicked: "only those mailed who did not click",
  not_mailed: "only those not mailed yet",
  // Machine opens and clicks (privacy proxies, link scanners) do not count: docs/decisions/020.
  not_human_opened: "only those mailed who did not open as a person",
  not_human_clicked: "only those mailed who did not click as a person",
};
