import type { GetServices, Services } from "../api/services.js";
import { fireBlobCreatedEvents, type BlobEventFiringDependencies } from "../datastore/blob-event-firing.js";
import { readBlobEventMessage } from "../datastore/blob-events.js";
import { newScheduleRun } from "../submit/new-run.js";
import type { QueueTriggerSpec } from "./trigger-list.js";

/** The app setting that names the queue of blob events; the queue trigger resolves `%BLOB_EVENTS_QUEUE%`. */
export const BLOB_EVENTS_QUEUE_SETTING = "BLOB_EVENTS_QUEUE";

/** The event path of change-based schedules in events mode, over the host's stores and datastores. */
export function blobEventDependencies(services: Services): BlobEventFiringDependencies {
  const { datastores, targeting } = services;
  return {
    schedules: services.schedules,
    runs: services.runs,
    queue: services.runQueue,
    catalog: datastores.catalog,
    watches: datastores.eventWatches,
    baselines: datastores.eventBaselines,
    newRun: (schedule, input, now) => newScheduleRun(schedule, input, now, targeting),
    log: services.log,
  };
}

/**
 * The queue worker of BLOB_EVENTS_QUEUE (CONTRACT 2.3): reads a message of Event Grid events and fires the runs they
 * announce. A message that is not (or not only) Event Grid events is set aside on the poison queue with a log line
 * saying why, after its readable events have fired, so that it never holds up the others; a failure to reach
 * storage is thrown, and the host delivers the message again (a repeat fires nothing twice).
 */
export function blobEventQueueTrigger(getServices: GetServices): QueueTriggerSpec {
  return {
    kind: "queue",
    name: "fireBlobEvents",
    queueName: `%${BLOB_EVENTS_QUEUE_SETTING}%`,
    handler: async (message, context) => {
      const services = await getServices();
      const read = readBlobEventMessage(message);
      const outcome = await fireBlobCreatedEvents(
        blobEventDependencies(services),
        read.events,
        services.clock(),
      );
      if (outcome.runs.length > 0) {
        context.log(
          `blob events created ${outcome.runs.length} run(s): ${outcome.runs.map((run) => run.id).join(", ")}`,
        );
      }
      if (read.problems.length === 0) return;
      await services.datastores.blobEventQueue.setAside(message);
      const messageId = context.triggerMetadata?.id;
      context.error(
        `blob event message ${typeof messageId === "string" ? messageId : "(no id)"} moved to the poison queue of ` +
          `${services.settings.BLOB_EVENTS_QUEUE}: ${read.problems.join("; ")}`,
      );
    },
  };
}
