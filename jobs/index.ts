import type { TaskList } from "graphile-worker";
import type { Services } from "../server/services";
import type { TaskDefinition } from "./define";
import maintainPartitions from "./tasks/maintain-partitions";

const tasks: TaskDefinition[] = [maintainPartitions];

export function createTaskList(services: Services): TaskList {
  return Object.fromEntries(tasks.map((t) => [t.name, t.build(services)]));
}
