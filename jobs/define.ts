import type { JobHelpers, Task } from "graphile-worker";
import type { z } from "zod";
import type { Services } from "../server/services";

export interface TaskContext {
  services: Services;
  helpers: JobHelpers;
  /** Aborted when the worker is asked to stop: long tasks end their loop early instead of holding up Ctrl-C. */
  stopping: AbortSignal;
}

export interface TaskDefinition {
  name: string;
  build(services: Services, stopping: AbortSignal): Task;
}

/**
 * A task parses its payload at run time: a job queued by SQL or by an older
 * release is not protected by TypeScript types. A payload that does not parse
 * fails permanently with a message instead of being retried 25 times.
 */
export function defineTask<S extends z.ZodType>(
  name: string,
  payload: S,
  run: (payload: z.infer<S>, context: TaskContext) => Promise<void>,
): TaskDefinition {
  return {
    name,
    build: (services, stopping) => async (raw, helpers) => {
      const parsed = payload.safeParse(raw ?? {});
      if (!parsed.success) {
        services.log.error("job payload rejected", { task: name, jobId: helpers.job.id, issues: parsed.error.issues.map((i) => i.message) });
        return;
      }
      await run(parsed.data, { services: { ...services, log: services.log.child({ task: name, jobId: helpers.job.id }) }, helpers, stopping });
    },
  };
}
