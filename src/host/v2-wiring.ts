import type { Services } from "../api/services.js";
import type { SubmissionDependencies } from "../submit/submission-worker.js";
import { v2Access } from "../submit/v2/v2-access.js";
import { batchEndpointDirectory, submitV2Run, type V2SubmitDependencies } from "../submit/v2/v2-submit.js";
import { v2TargetingOf } from "../submit/new-run.js";

/**
 * The Azure ML v2 submissions of a host (CONTRACT 7): the v2 targeting and tokens of its settings, and one batch
 * endpoint directory per host, kept across queue messages, so that an endpoint name is looked up once.
 */
const submitters = new WeakMap<Services, V2SubmitDependencies>();

export function v2SubmitDependencies(services: Services, timeoutMs: number): V2SubmitDependencies {
  let deps = submitters.get(services);
  if (deps === undefined) {
    const targeting = v2TargetingOf(services.targeting);
    const access = v2Access(services.settings, services.credential, services.allowLoopbackEndpoints);
    const options = { timeoutMs, clock: services.clock };
    deps = { targeting, access, options, directory: batchEndpointDirectory(targeting, access, options) };
    submitters.set(services, deps);
  }
  return deps;
}

/** The worker's dependencies with v2 runs sent the v2 way; v1 runs go to `deps.post` as before. */
export function withV2Submissions(
  services: Services,
  timeoutMs: number,
  deps: SubmissionDependencies,
): SubmissionDependencies {
  return {
    ...deps,
    post: (run) =>
      run.v2 === undefined ? deps.post(run) : submitV2Run(run, v2SubmitDependencies(services, timeoutMs)),
  };
}
