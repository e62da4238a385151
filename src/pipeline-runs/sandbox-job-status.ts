import {
  DEFAULT_SANDBOX_POLLS,
  SANDBOX_OUTCOME_PARAMETER,
  SANDBOX_POLLS_PARAMETER,
} from "./sandbox-run-status.js";

/**
 * How the local sandbox's Azure ML v2 jobs end (CONTRACT 5, 7), chosen per job by the same two parameters as its v1
 * runs (sandbox-run-status.ts), sent as Literal inputs: `sandbox_outcome` `Completed` (default), `Failed` or
 * `Canceled` (`Finished` reads as `Completed`), and `sandbox_status_polls`, the status read that reports it
 * (default 2: the first says Running).
 */
export type SandboxJobOutcome = "Completed" | "Failed" | "Canceled";

export interface SandboxJobPlan {
  outcome: SandboxJobOutcome;
  /** The 1-based status read from which the outcome is reported. */
  endsAtPoll: number;
}

export function sandboxJobPlan(literals: Record<string, unknown>): SandboxJobPlan {
  const outcomeValue = literals[SANDBOX_OUTCOME_PARAMETER];
  const outcomeText = typeof outcomeValue === "string" ? outcomeValue.toLowerCase() : "completed";
  const outcome = outcomeText === "failed" ? "Failed" : outcomeText === "canceled" ? "Canceled" : "Completed";
  const polls = Number(literals[SANDBOX_POLLS_PARAMETER] ?? DEFAULT_SANDBOX_POLLS);
  return { outcome, endsAtPoll: Number.isInteger(polls) && polls >= 1 ? polls : DEFAULT_SANDBOX_POLLS };
}

/** The job's `properties.status` on its `poll`-th read (1-based); NotStarted before any. */
export function sandboxJobStatus(plan: SandboxJobPlan, poll: number): string {
  if (poll < 1) return "NotStarted";
  return poll >= plan.endsAtPoll ? plan.outcome : "Running";
}
