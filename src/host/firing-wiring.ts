import type { Services } from "../api/services.js";
import type { Settings } from "../settings/settings.js";
import { postPipelineRun } from "../submit/pipeline-client.js";
import type { AmlSubmitBody } from "../submit/request-body.js";
import { PRODUCTION_RETRIES, type SubmissionDependencies } from "../submit/submission-worker.js";
import { newScheduleRun, type RunTargeting } from "../submit/new-run.js";
import { decideBeforeFirstPost, FIRST_POST_DECISIONS } from "../submit/first-post-decisions.js";
import { SubmissionGate } from "../submit/submission-gate.js";
import { lookAheadHorizon } from "../scheduling/look-ahead.js";
import { v2TargetingFromSettings } from "../submit/v2/v2-targeting.js";
import { withV2Submissions } from "./v2-wiring.js";
import type { SchedulingDependencies } from "../scheduling/scheduling-pass.js";
import { startFollowing } from "../following/follower.js";
import { overlapStep } from "../run-policies/overlap-step.js";
import { handleRunEnd } from "../run-policies/run-endings.js";
import { followDependencies } from "./following-wiring.js";

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

export interface FiringOptions extends Pick<SchedulingDependencies, "runEnded" | "sweepFollowUps" | "clock"> {
  /** SCHEDULER_TICK: a pass claims what falls before the next tick (look-ahead.ts); without it, only what is due. */
  schedulerTick?: string;
}

/** The scheduling pass over the host's stores and queue (`Services.firing`), with what runs' ends need. */
export function schedulingDependencies(
  services: FiringParts,
  targeting: RunTargeting,
  options: FiringOptions = {},
): SchedulingDependencies {
  const { schedulerTick, ...runEnds } = options;
  return {
    ...(schedulerTick === undefined
      ? {}
      : { lookAheadUntil: (now: Date) => lookAheadHorizon(schedulerTick, now) }),
    schedules: services.schedules,
    runs: services.runs,
    queue: services.runQueue,
    newRun: (schedule, fire, now) => newScheduleRun(schedule, fire, now, targeting),
    enqueueFolderCheck: (schedule) => services.datastores.checkQueue.enqueue(schedule.id),
    log: services.log,
    ...runEnds,
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
    runEnded: (run) => handleRunEnd(services.policies, run),
    readSchedule: (scheduleId) => services.schedules.get(scheduleId),
    beforeFirstPost: (run, now, readSchedule) =>
      decideBeforeFirstPost(
        { schedules: services.schedules, decisions: FIRST_POST_DECISIONS },
        run,
        now,
        readSchedule,
      ),
    firstPostSteps: [overlapStep(services.policies)],
    afterSubmitted: (run) => startFollowing(followDependencies(services), run),
    gate: services.submissionGate,
  });
}

/** The instance's one submission gate: SUBMIT_CONCURRENCY POSTs in flight, 429s slowing all of them. */
export function instanceSubmissionGate(
  settings: Pick<Settings, "SUBMIT_CONCURRENCY">,
  clock: () => Date,
): SubmissionGate {
  return new SubmissionGate({
    maxInFlight: settings.SUBMIT_CONCURRENCY,
    clock,
    sleep: (ms) => new Promise((resolve) => setTimeout(resolve, ms)),
  });
}
