import type { RunEnding, RunRecord } from "./run-record.js";

/**
 * The structured log lines of a run's life (issue 13, metrics): one JSON object per line, so that Application
 * Insights, which receives every line the Functions host logs as a trace, can filter and count them with
 * `parse_json(message)` (docs/outcomes-and-policies.md "Metrics" has the queries). Nothing in them is secret: ids, statuses, reasons.
 */

type RunFacts = Pick<
  RunRecord,
  "id" | "scheduleId" | "reason" | "status" | "attempts" | "pipelineStatus" | "scheduledFor"
>;

/** A run took a new status (created, Submitted, Failed, Skipped, Deferred, ...) or its pipeline run did. */
export function runTransitionLine(run: RunFacts): string {
  return JSON.stringify({
    event: "runTransition",
    scheduleId: run.scheduleId,
    runId: run.id,
    status: run.status,
    pipelineStatus: run.pipelineStatus,
    reason: run.reason,
    attempts: run.attempts,
  });
}

/** One run ended so: a count of 1, summed by outcome to give the counts of runs by outcome. */
export function runOutcomeMetricLine(run: RunFacts, outcome: RunEnding): string {
  return JSON.stringify({
    metric: "runOutcome",
    value: 1,
    outcome,
    scheduleId: run.scheduleId,
    runId: run.id,
    reason: run.reason,
  });
}
