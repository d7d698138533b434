import { sql } from "drizzle-orm";
import type { Executor } from "../db/client";

/**
 * Enqueues a graphile-worker job from SQL, inside the caller's transaction:
 * a committed change always has its job, a rolled-back one never does.
 */
export async function enqueue(
  tx: Executor,
  task: string,
  payload: Record<string, unknown>,
  options: { jobKey?: string; runAt?: Date; jobKeyMode?: "replace" | "preserve_run_at" | "unsafe_dedupe"; maxAttempts?: number; queueName?: string } = {},
): Promise<void> {
  await tx.execute(sql`select graphile_worker.add_job(
    ${task},
    ${JSON.stringify(payload)}::json,
    queue_name := ${options.queueName ?? null}::text,
    job_key := ${options.jobKey ?? null}::text,
    run_at := ${options.runAt ? options.runAt.toISOString() : null}::timestamptz,
    job_key_mode := ${options.jobKeyMode ?? "replace"}::text,
    max_attempts := ${options.maxAttempts ?? 25}::int
  )`);
}
