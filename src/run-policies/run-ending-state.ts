import type { RunEnding, RunReason } from "../runs/run-record.js";
import { REMEMBERED_ENDINGS, type ScheduleRunState } from "../runs/schedule-run-state.js";

/**
 * What the end of one run changes in its schedule's run state (CONTRACT 2.5), pure: the run no longer holds back
 * the next occurrences, and the consecutive failures of scheduled runs are counted in the order the ends are
 * recorded here. Manual and API runs, Skipped runs and runs whose end was never seen neither count nor reset;
 * a count kept for another enablement of the schedule (before it was enabled again) starts over.
 */
export interface EndingFacts {
  runId: string;
  reason: RunReason;
  ending: RunEnding;
  /** The schedule's current enablement (ScheduleRecord.enablementId; "" for schedules written before it). */
  enablementId: string;
}

export function recordEnding(state: ScheduleRunState, facts: EndingFacts): ScheduleRunState {
  return {
    ...state,
    inFlight: state.inFlight.filter((id) => id !== facts.runId),
    held: state.held === facts.runId ? null : state.held,
    failures: countFailures(state.failures, facts),
    endedRuns: [...state.endedRuns, facts.runId].slice(-REMEMBERED_ENDINGS),
  };
}

function countFailures(
  failures: ScheduleRunState["failures"],
  facts: EndingFacts,
): ScheduleRunState["failures"] {
  const current = failures.enablementId === facts.enablementId ? failures.count : 0;
  const scheduled = facts.reason !== "manual" && facts.reason !== "api";
  let count = current;
  if (scheduled && facts.ending === "Failed") count = current + 1;
  if (scheduled && facts.ending === "Finished") count = 0;
  return { enablementId: facts.enablementId, count };
}

/** Whether this end pauses the schedule: a scheduled failure that brought the count to `pauseAfterFailures`. */
export function pausesSchedule(
  state: ScheduleRunState,
  facts: EndingFacts,
  pauseAfterFailures: number | undefined,
): boolean {
  if (pauseAfterFailures === undefined || facts.ending !== "Failed") return false;
  if (facts.reason === "manual" || facts.reason === "api") return false;
  return state.failures.enablementId === facts.enablementId && state.failures.count >= pauseAfterFailures;
}

export function pauseReason(pauseAfterFailures: number, runId: string): string {
  return (
    `Paused after ${pauseAfterFailures} consecutive failed runs (policy.pauseAfterFailures); the last was run ` +
    `${runId}. Enabling the schedule starts the count again.`
  );
}
