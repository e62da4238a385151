import { datastoreRoutes, isDatastoreRegistered } from "../api/datastore-routes.js";
import type { ApiOptions } from "../api/routes.js";
import { apiTriggers } from "./http-triggers.js";
import { folderBaselinesOf, folderCheckQueueTrigger } from "./folder-check-wiring.js";
import { notificationQueueTrigger } from "./notification-wiring.js";
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
  ];
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
