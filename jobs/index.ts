import type { TaskList } from "graphile-worker";
import type { Services } from "../server/services";
import type { TaskDefinition } from "./define";
import fetchSmsPrices from "./tasks/fetch-sms-prices";
import foldEvents from "./tasks/fold-events";
import kickSending from "./tasks/kick-sending";
import maintainPartitions from "./tasks/maintain-partitions";
import sendRun from "./tasks/send-run";
import syncAirtable from "./tasks/sync-airtable";

const tasks: TaskDefinition[] = [sendRun, kickSending, foldEvents, syncAirtable, maintainPartitions, fetchSmsPrices];

export function createTaskList(services: Services, stopping: AbortSignal = new AbortController().signal): TaskList {
  return Object.fromEntries(tasks.map((t) => [t.name, t.build(services, stopping)]));
}
