import type { GetServices, Services } from "../api/services.js";
import type { QueueTriggerSpec } from "./trigger-list.js";
import type { RunRecord } from "../runs/run-record.js";
import type { ScheduleRecord } from "../schedules/record.js";
import { newScheduleRun } from "../submit/new-run.js";
import type { FolderBaselines } from "../schedule-management/schedule-service.js";
import { folderBaselines } from "../datastore/folder-baseline.js";
import { checkFolder, type FolderCheckDependencies } from "../datastore/folder-check.js";
import { FOLDER_CHECK_QUEUE_NAME, folderCheckMessageSchema } from "../datastore/folder-check-queue.js";
import { listFolder } from "../datastore/folder-listing.js";
import { handleRunEnd } from "../run-policies/run-endings.js";

/** The folder check over the host's stores, queues and datastores. */
export function folderCheckDependencies(services: Services): FolderCheckDependencies {
  const { targeting } = services;
  const { datastores } = services;
  return {
    schedules: services.schedules,
    runs: services.runs,
    queue: services.runQueue,
    datastores: datastores.registry,
    cursors: datastores.cursors,
    newRun: (schedule, input, now) => newScheduleRun(schedule, input, now, targeting),
    listFolder: (datastore, prefix) => listFolder(datastores.openContainer(datastore), prefix),
    log: services.log,
    runEnded: (run) => handleRunEnd(services.policies, run),
  };
}

/** The baselines that activations of change-based schedules save, over the host's datastores (CONTRACT 2.3). */
export function folderBaselinesOf(services: Services): FolderBaselines {
  const { datastores } = services;
  return folderBaselines({
    datastores: datastores.registry,
    cursors: datastores.cursors,
    eventWatches: datastores.eventWatches,
    listFolder: (datastore, prefix) => listFolder(datastores.openContainer(datastore), prefix),
  });
}

/** The queue worker that runs the folder checks the scheduling pass enqueues (CONTRACT 2.3). */
export function folderCheckQueueTrigger(getServices: GetServices): QueueTriggerSpec {
  return {
    kind: "queue",
    name: "checkDatastoreFolder",
    queueName: FOLDER_CHECK_QUEUE_NAME,
    handler: async (message, context) => {
      const parsed = folderCheckMessageSchema.safeParse(message);
      if (!parsed.success) {
        // Retrying a message that is not a check cannot succeed; drop it where someone can see it.
        context.error(`folder check message ignored, not {"scheduleId": "..."}: ${JSON.stringify(message)}`);
        return;
      }
      const services = await getServices();
      const runs = await checkFolder(
        folderCheckDependencies(services),
        parsed.data.scheduleId,
        services.clock(),
      );
      if (runs.length > 0)
        context.log(`folder check of ${parsed.data.scheduleId} created ${runs.length} run(s)`);
    },
  };
}

/**
 * An `enqueueFolderCheck` that runs the check inside the pass instead of queueing it, adding the runs it creates
 * to `created`: for the local host's `/dev/tick`, which answers the runs of change-based schedules too (CONTRACT 5).
 */
export function checkFolderInline(
  services: Services,
  created: RunRecord[],
): (schedule: ScheduleRecord, now: Date) => Promise<void> {
  return async (schedule, now) => {
    created.push(...(await checkFolder(folderCheckDependencies(services), schedule.id, now)));
  };
}
