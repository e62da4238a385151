import type { OverlapPolicy } from "../schedules/schema.js";
import type { ScheduleRunState } from "../runs/schedule-run-state.js";

/**
 * The `policy.overlap` decision for one run of a schedule, at the moment its occurrence comes due (CONTRACT 2.5),
 * as a pure function of what was read: the schedule's run state and which of the runs it names are unfinished.
 * The caller writes `next` conditionally on the state's ETag, so that of two instances deciding at once about two
 * occurrences only one finds nothing unfinished and lets its run through; the other reads again and decides again.
 */
export interface OverlapFacts {
  runId: string;
  /** Manual (run-now) runs are never skipped or held, and count as earlier runs for the ones that follow. */
  manual: boolean;
  overlap: Exclude<OverlapPolicy, "allow">;
  state: ScheduleRunState;
  /** The runs of `state.inFlight` (this one aside) that are still unfinished, in that order. */
  unfinishedInFlight: readonly string[];
  /**
   * Other unfinished earlier runs of the schedule that the state does not name: runs fired while `overlap` was
   * `allow`, and the held run once it was released and has not yet been through this decision.
   */
  otherUnfinished: readonly string[];
  /** `state.held` when that run (not this one) is still Deferred. */
  heldDeferred: string | null;
}

export type OverlapDecision =
  /** Send the run; write `next` first when given (undefined: the state already says so). */
  | { kind: "send"; next: ScheduleRunState | undefined }
  | { kind: "skip"; blockingRunId: string }
  /** bufferOne: hold the run (Deferred) after writing `next`. */
  | { kind: "hold"; blockingRunId: string; next: ScheduleRunState | undefined }
  /** bufferOne with a run held already: that one becomes Skipped first, then the decision is taken again. */
  | { kind: "replaceHeld"; heldRunId: string; blockingRunId: string };

export function decideOverlap(facts: OverlapFacts): OverlapDecision {
  const { runId, state } = facts;
  if (state.inFlight.includes(runId)) return { kind: "send", next: undefined };
  const inFlight = [...facts.unfinishedInFlight, runId];
  if (facts.manual) return { kind: "send", next: { ...state, inFlight } };
  const blockingRunId = facts.unfinishedInFlight[0] ?? facts.otherUnfinished[0];
  if (blockingRunId === undefined) {
    return {
      kind: "send",
      next: { ...state, inFlight, held: state.held === runId ? null : facts.heldDeferred },
    };
  }
  if (facts.overlap === "skip") return { kind: "skip", blockingRunId };
  if (facts.heldDeferred !== null)
    return { kind: "replaceHeld", heldRunId: facts.heldDeferred, blockingRunId };
  if (state.held === runId) return { kind: "hold", blockingRunId, next: undefined };
  return {
    kind: "hold",
    blockingRunId,
    next: { ...state, inFlight: [...facts.unfinishedInFlight], held: runId },
  };
}

export function skippedMessage(blockingRunId: string): string {
  return `Skipped: run ${blockingRunId} of this schedule had not finished when this occurrence came due (policy.overlap "skip")`;
}

export function deferredMessage(blockingRunId: string): string {
  return `Deferred: held until run ${blockingRunId} of this schedule ends (policy.overlap "bufferOne")`;
}

export function replacedMessage(newerRunId: string, blockingRunId: string): string {
  return (
    `Skipped: replaced by run ${newerRunId}, a newer occurrence held while run ${blockingRunId} of this schedule ` +
    `had not finished (policy.overlap "bufferOne")`
  );
}
