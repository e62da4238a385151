import type { GetServices, Services } from "../api/services.js";
import { waitDependencies } from "../api/submit-routes.js";
import {
  FOLLOW_UP_QUEUE_NAME,
  followUpQueueMessageSchema,
  followUpsOf,
} from "../following/follow-up-queue.js";
import { followUpReads, type FollowDependencies } from "../following/follower.js";
import {
  readRunStatusThroughWait,
  type PipelineStatusReader,
} from "../pipeline-runs/pipeline-status-reading.js";
import { handleRunEnd } from "../run-policies/run-endings.js";
import type { QueueTriggerSpec } from "./trigger-list.js";

/**
 * The status of any submitted run, through the per-run limit of `/runs/{id}/wait`: v1 runs at their PipelineRuns
 * URL, v2 runs at their job's Resource Manager URL (the wait reads by the run's target kind, run-status.ts).
 */
export function pipelineStatusReader(services: Services): PipelineStatusReader {
  return (run) => readRunStatusThroughWait(waitDependencies(services), run);
}

/** The follower over the host's stores, queues and status reads (CONTRACT 4). */
export function followDependencies(
  services: Services,
  readPipelineStatus: PipelineStatusReader = pipelineStatusReader(services),
): FollowDependencies {
  return {
    runs: services.runs,
    followed: services.followedRuns,
    queue: services.followUps,
    readPipelineStatus,
    runEnded: (run) => handleRunEnd(services.policies, run),
    followHours: services.settings.RUN_FOLLOW_HOURS,
    clock: services.clock,
    log: services.log,
  };
}

/** The queue worker of follow-up reads: a delayed message asks for one read of a run's pipeline run, or several. */
export function followUpQueueTrigger(getServices: GetServices): QueueTriggerSpec {
  return {
    kind: "queue",
    name: "followPipelineRun",
    queueName: FOLLOW_UP_QUEUE_NAME,
    handler: async (message, context) => {
      const parsed = followUpQueueMessageSchema.safeParse(message);
      if (!parsed.success) {
        // Retrying a message that is not a follow-up cannot succeed; drop it where someone can see it.
        context.error(
          `follow-up message ignored, neither {"runId": "...", "read": n} nor {"followUps": [...]}: ${JSON.stringify(message)}`,
        );
        return;
      }
      const services = await getServices();
      await followUpReads(followDependencies(services), followUpsOf(parsed.data));
    },
  };
}
