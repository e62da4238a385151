import type { Services } from "../host/services.js";
import { postPipelineRun } from "../submit/pipeline-client.js";
import type { AmlSubmitBody } from "../submit/request-body.js";
import { PRODUCTION_RETRIES, type SubmissionDependencies } from "../submit/submission-worker.js";
import { newScheduleRun, type RunTargeting } from "./new-run.js";
import type { SchedulingDependencies } from "./scheduling-pass.js";

/** How long one POST (token, request and answer) may take before it counts as a retryable failure. */
export const SUBMIT_TIMEOUT_MS = 30_000;

export function runTargeting(services: Services): RunTargeting {
  return {
    workspace: services.settings,
    endpoints: {
      allowedHosts: services.settings.ALLOWED_ENDPOINT_HOSTS,
      allowLoopback: services.allowLoopbackEndpoints,
    },
  };
}

/** The scheduling pass over the host's stores and queue. */
export function schedulingDependencies(services: Services): SchedulingDependencies {
  const targeting = runTargeting(services);
  return {
    schedules: services.schedules,
    runs: services.runs,
    queue: services.runQueue,
    newRun: (schedule, fire, now) => newScheduleRun(schedule, fire, now, targeting),
    enqueueFolderCheck: (schedule) => services.datastores.checkQueue.enqueue(schedule.id),
    log: services.log,
  };
}

/** The queue worker over the host's stores, queue, credential and the AML token rules of CONTRACT 3. */
export function submissionDependencies(services: Services): SubmissionDependencies {
  const { settings } = services;
  const endpointPolicy = runTargeting(services).endpoints;
  return {
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
  };
}
