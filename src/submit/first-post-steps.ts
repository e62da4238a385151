import type { RunRecord } from "../runs/run-record.js";
import type { ScheduleReader } from "./first-post-decisions.js";

/**
 * The decisions taken just before a run's first POST, at the moment its occurrence comes due (e.g. `policy.overlap`,
 * CONTRACT 2.5): each either lets the run go on to the next decision and the POST, or settles it without sending
 * anything (Skipped, Deferred) and says so on the run. They run in the order given; the first that settles the run
 * ends the list.
 */
export type FirstPostDecision =
  | { send: true }
  /** The run as the decision saved it (its new status and `error`); nothing is sent. */
  | { send: false; run: RunRecord };

export interface FirstPostStep {
  /** Names the step in log lines. */
  name: string;
  /** `readSchedule`, when given, reads the run's schedule (once for all decisions at the instant). */
  decide(run: RunRecord, now: Date, readSchedule?: ScheduleReader): Promise<FirstPostDecision>;
}

export const SEND: FirstPostDecision = { send: true };

/** Runs the steps in order; the run a step settled, or undefined when every step lets it be sent. */
export async function decideBeforeFirstPost(
  steps: readonly FirstPostStep[],
  run: RunRecord,
  now: Date,
  readSchedule?: ScheduleReader,
): Promise<RunRecord | undefined> {
  for (const step of steps) {
    const decision = await step.decide(run, now, readSchedule);
    if (!decision.send) return decision.run;
  }
  return undefined;
}
