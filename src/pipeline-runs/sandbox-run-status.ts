import type { PipelineRunStatus } from "./pipeline-run-status.js";

/**
 * How the local sandbox's pipeline runs end, chosen per submission by ParameterAssignments (sent as strings,
 * CONTRACT 3), so that the submit-and-wait flow and the following of runs can be tried locally with every outcome:
 * - `sandbox_outcome`: `Finished` (default), `Failed` or `Canceled`;
 * - `sandbox_status_polls`: the status GET that reports the outcome (default 2: the first says Running);
 * - `sandbox_duration_minutes`: instead, how long the run takes on the local host's clock (the one `/dev/tick`
 *   moves): NotStarted for its first tenth, then Running, then the outcome.
 */
export const SANDBOX_OUTCOME_PARAMETER = "sandbox_outcome";
export const SANDBOX_POLLS_PARAMETER = "sandbox_status_polls";
export const SANDBOX_DURATION_PARAMETER = "sandbox_duration_minutes";
export const DEFAULT_SANDBOX_POLLS = 2;

export interface SandboxRunPlan {
  outcome: "Finished" | "Failed" | "Canceled";
  /** The 1-based status GET from which the outcome is reported. */
  endsAtPoll: number;
  /** With `sandbox_duration_minutes`: the run's length, which decides its status instead of the GETs. */
  durationMs?: number;
}

export function sandboxRunPlan(body: unknown): SandboxRunPlan {
  const parameters =
    typeof body === "object" && body !== null
      ? (body as { ParameterAssignments?: unknown }).ParameterAssignments
      : undefined;
  const values =
    typeof parameters === "object" && parameters !== null ? (parameters as Record<string, unknown>) : {};
  const outcomeValue = values[SANDBOX_OUTCOME_PARAMETER];
  const outcomeText = typeof outcomeValue === "string" ? outcomeValue.toLowerCase() : "finished";
  const outcome = outcomeText === "failed" ? "Failed" : outcomeText === "canceled" ? "Canceled" : "Finished";
  const polls = Number(values[SANDBOX_POLLS_PARAMETER] ?? DEFAULT_SANDBOX_POLLS);
  const minutes = Number(values[SANDBOX_DURATION_PARAMETER] ?? Number.NaN);
  return {
    outcome,
    endsAtPoll: Number.isInteger(polls) && polls >= 1 ? polls : DEFAULT_SANDBOX_POLLS,
    ...(Number.isFinite(minutes) && minutes >= 0 ? { durationMs: minutes * 60_000 } : {}),
  };
}

const STATUS_CODES: Record<PipelineRunStatus, number> = {
  NotStarted: 0,
  Running: 1,
  Failed: 2,
  Finished: 3,
  Canceled: 4,
};

/**
 * The PipelineRunEntity the sandbox answers on its `poll`-th status GET (1-based), `elapsedMs` after the
 * submission on the local host's clock.
 */
export function sandboxPipelineRun(pipelineRunId: string, plan: SandboxRunPlan, poll: number, elapsedMs = 0) {
  const status =
    plan.durationMs === undefined
      ? statusByPolls(plan, poll)
      : statusByTime(plan.outcome, plan.durationMs, elapsedMs);
  return {
    Id: pipelineRunId,
    Status: { StatusCode: STATUS_CODES[status], StatusDetail: status },
  };
}

function statusByPolls(plan: SandboxRunPlan, poll: number): PipelineRunStatus {
  return poll >= plan.endsAtPoll ? plan.outcome : "Running";
}

function statusByTime(outcome: PipelineRunStatus, durationMs: number, elapsedMs: number): PipelineRunStatus {
  if (elapsedMs >= durationMs) return outcome;
  return elapsedMs < durationMs / 10 ? "NotStarted" : "Running";
}
