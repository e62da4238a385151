import type { Services } from "../api/services.js";
import type { Settings } from "../settings/settings.js";
import { postPipelineRun } from "../submit/pipeline-client.js";
import type { AmlSubmitBody } from "../submit/request-body.js";
import { PRODUCTION_RETRIES, type SubmissionDependencies } from "../submit/submission-worker.js";
import { newScheduleRun, type RunTargeting } from "../submit/new-run.js";
import { v2TargetingFromSettings } from "../submit/v2/v2-targeting.js";
import { withV2Submissions } from "./v2-wiring.js";
import { runEndedNotifier } from "./notification-wiring.js";
import type { SchedulingDependencies } from "../scheduling/scheduling-pass.js";

/** How long one POST (token, request and answer) may take before it counts as a retryable failure. */
export const SUBMIT_TIMEOUT_MS = 30_000;

/** How runs are targeted: the workspace settings and the endpoint rules of CONTRACT 3. */
export function runTargeting(settings: Settings, allowLoopbackEndpoints: boolean): RunTargeting {
  return {
    workspace: settings,
    endpoints: { allowedHosts: settings.ALLOWED_ENDPOINT_HOSTS, allowLoopback: allowLoopbackEndpoints },
    v2: v2TargetingFromSettings(settings, allowLoopbackEndpoints),
  };
}

/** The parts of the services the scheduling pass runs over. */
export type FiringParts = Pick<Services, "schedules" | "runs" | "runQueue" | "datastores" | "log">;

/** The scheduling pass over the host's stores and queue (`Services.firing`). */
export function schedulingDependencies(
  services: FiringParts,
  targeting: RunTargeting,
): SchedulingDependencies {
  return {
    schedules: services.schedules,
    runs: services.runs,
    queue: services.runQueue,
    newRun: (schedule, fire, now) => newScheduleRun(schedule, fire, now, targeting),
    enqueueFolderCheck: (schedule) => services.datastores.checkQueue.enqueue(schedule.id),
    log: services.log,
  };
}

/** The queue worker over the host's stores, queue, credential and the token rules of CONTRACT 3 (v2 runs: 6, 7). */
export function submissionDependencies(services: Services): SubmissionDependencies {
  const { settings } = services;
  const endpointPolicy = services.targeting.endpoints;
  return withV2Submissions(services, SUBMIT_TIMEOUT_MS, {
    runs: services.runs,
    queue: services.runQueue,
    post: (run) =>
      postPipelineRun({
        url: new URL(run.endpointUrl),
        body: run.request as unknown as AmlSubmitBody,
        tokenProvider: services.credential,
        tokenScope: settings.AML_TOKEN_SCOPE,
        tokenHosts: settings.AML_TOKEN_HOSTS,
        endpointPolicy,
        timeoutMs: SUBMIT_TIMEOUT_MS,
        clock: services.clock,
      }),
    clock: services.clock,
    ...PRODUCTION_RETRIES,
    log: services.log,
    runEnded: runEndedNotifier(services),
  });
}
