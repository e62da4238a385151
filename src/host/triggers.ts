import { datastoreRoutes, isDatastoreRegistered } from "../api/datastore-routes.js";
import type { ApiOptions } from "../api/routes.js";
import { apiTriggers } from "./http-triggers.js";
import { folderBaselinesOf, folderCheckQueueTrigger } from "./folder-check-wiring.js";
import { notificationQueueTrigger } from "./notification-wiring.js";
import { followUpQueueTrigger } from "./following-wiring.js";
import { blobEventQueueTrigger } from "./blob-event-wiring.js";
import { receivedQueueValue } from "../state/queue-message.js";
import { RUN_QUEUE_NAME } from "../runs/run-queue.js";
import { submissionDependencies } from "./firing-wiring.js";
import { runSchedulingPass } from "../scheduling/scheduling-pass.js";
import { submitQueuedRun } from "../submit/submission-worker.js";
import type { GetServices, Services } from "../api/services.js";
import type { QueueTriggerSpec, TimerTriggerSpec, TriggerSpec } from "./trigger-list.js";

/** host.json `extensions.queues.maxDequeueCount`: deliveries before the host moves a message to poison. */
export const MAX_DEQUEUE_COUNT = 5;

export type TriggerListOptions = Pick<ApiOptions, "extraRoutes">;

/**
 * THE list of triggers: `functions/index.ts` registers it with Azure Functions and the local host serves it,
 * so both hosts run the same handlers (STYLE: one wiring, two hosts).
 */
export function allTriggers(getServices: GetServices, options: TriggerListOptions = {}): TriggerSpec[] {
  const apiOptions: ApiOptions = {
    isDatastoreRegistered,
    folderBaselines: folderBaselinesOf,
    extraRoutes: [...datastoreRoutes(), ...(options.extraRoutes ?? [])],
  };
  return [
    ...apiTriggers(getServices, apiOptions),
    schedulingTimer(getServices),
    submissionQueue(getServices),
    folderCheckQueueTrigger(getServices),
    notificationQueueTrigger(getServices),
    followUpQueueTrigger(getServices),
    blobEventQueueTrigger(getServices),
  ].map(receivingQueueValues);
}

/**
 * host.json sets the queue trigger's `messageEncoding` to `none`, so that Event Grid's plain JSON messages reach
 * their handler; every queue handler is handed what it would get with base64 decoding (receivedQueueValue).
 */
function receivingQueueValues(spec: TriggerSpec): TriggerSpec {
  if (spec.kind !== "queue") return spec;
  const { handler } = spec;
  const decoding: QueueTriggerSpec["handler"] = (message, context) =>
    handler(receivedQueueValue(message), context);
  return { ...spec, handler: decoding };
}

function schedulingTimer(getServices: GetServices): TimerTriggerSpec {
  return {
    kind: "timer",
    name: "schedulingPass",
    scheduleSetting: "SCHEDULER_TICK",
    handler: async (_timer, context) => {
      const services = await getServices();
      const { runs } = await runSchedulingPass(services.firing, services.clock());
      await services.runs.recordTick(services.clock());
      if (runs.length > 0) context.log(`scheduling pass created ${runs.length} run(s)`);
    },
  };
}

function submissionQueue(getServices: GetServices): QueueTriggerSpec {
  return {
    kind: "queue",
    name: "submitPipelineRun",
    queueName: RUN_QUEUE_NAME,
    handler: async (message, context) => {
      const services = await getServices();
      await submitQueuedRun(submissionDependencies(services), message, {
        dequeueCount: Number(context.triggerMetadata?.dequeueCount ?? 1),
        maxDequeueCount: MAX_DEQUEUE_COUNT,
      });
    },
  };
}

/**
 * Builds the services on first use and shares them afterwards. A failed build is not kept, so the next
 * invocation tries again (storage may have been unreachable for a moment).
 */
export function memoizeServices(factory: () => Promise<Services>): GetServices {
  let services: Promise<Services> | undefined;
  return () => {
    services ??= factory().catch((error: unknown) => {
      services = undefined;
      throw error;
    });
    return services;
  };
}
