import { compileOccurrences } from "../recurrence/occurrences.js";
import { StepBudget, StepLimitError } from "../recurrence/step-budget.js";
import type { RunRecord } from "../runs/run-record.js";
import type { ScheduleRecord } from "../schedules/record.js";
import type { ScheduleStore } from "../state/schedule-store.js";

/**
 * What happens right before a scheduled run's first POST: a list of named decisions, taken in order, each of
 * which may let the POST go or settle the run without sending anything. The first that does not let it go wins.
 * Manual and API runs are never held back (CONTRACT 2.5); retries were decided on at their first POST.
 *
 * To add a decision (the overlap policy, CONTRACT 2.5), write a FirstPostDecision and append it to
 * FIRST_POST_DECISIONS: it gets the run, the schedule as it is now (read once, and only if a decision asks) and
 * the instant.
 */

export type FirstPostVerdict = { kind: "post" } | { kind: "skip"; reason: string };

export const POST: FirstPostVerdict = { kind: "post" };

export interface FirstPostFacts {
  run: RunRecord;
  /** The run's schedule as stored now; undefined when it was deleted. */
  schedule: () => Promise<ScheduleRecord | undefined>;
  now: Date;
}

export interface FirstPostDecision {
  /** For log lines: which decision held a run back. */
  name: string;
  decide: (facts: FirstPostFacts) => Promise<FirstPostVerdict>;
}

/** Runs of a schedule's occurrences: created by a scheduling pass, by catch-up, or by the create request itself. */
export function isOccurrenceRun(run: Pick<RunRecord, "reason" | "scheduledFor" | "scheduleId">): boolean {
  return (
    run.scheduleId !== null &&
    run.scheduledFor !== null &&
    (run.reason === "recurrence" || run.reason === "catchUp")
  );
}

/**
 * The schedule still wants the occurrence (issue 15): it exists, is Active, and its trigger as activated now still
 * fires at `scheduledFor`. A disable, a changed trigger, or a re-enabling (which counts from its own instant,
 * CONTRACT 2.1) between the claim and the instant shows here. An activation in a second before the claim's
 * cannot have changed anything, so the occurrences are computed only when the schedule was activated since.
 */
export const scheduleStillWantsOccurrence: FirstPostDecision = {
  name: "still wanted",
  async decide({ run, schedule: readSchedule }) {
    if (!isOccurrenceRun(run) || run.scheduledFor === null) return POST;
    const instant = run.scheduledFor;
    const schedule = await readSchedule();
    if (schedule === undefined) {
      return skip(`Not submitted: the schedule was deleted before the occurrence at ${instant}.`);
    }
    if (schedule.definition.status !== "Active") {
      return skip(
        `Not submitted: the schedule was disabled (at ${schedule.updatedAt}) before the occurrence at ${instant}.`,
      );
    }
    const trigger = schedule.definition.trigger;
    const changed = `Not submitted: the schedule's trigger changed (at ${schedule.activatedAt}) and no longer fires at ${instant}.`;
    if (trigger.type === "datastore") return skip(changed);
    const activatedMs = Date.parse(schedule.activatedAt);
    // activatedAt is truncated to the second (CONTRACT 2.1.4): an activation in the claim's own second may follow it.
    if (activatedMs + 1000 <= Date.parse(run.createdAt)) return POST;
    try {
      const instantMs = Date.parse(instant);
      const occurrences = compileOccurrences(trigger, new Date(activatedMs), new StepBudget());
      return occurrences.nextAfter(instantMs - 1) === instantMs ? POST : skip(changed);
    } catch (error) {
      // A trigger too costly to compute is the scheduling pass's to disable; the claim was made under a trigger
      // that fired here, so the run goes.
      if (error instanceof StepLimitError) return POST;
      throw error;
    }
  },
};

/** The decisions before every scheduled run's first POST, in order. */
export const FIRST_POST_DECISIONS: readonly FirstPostDecision[] = [scheduleStillWantsOccurrence];

export interface FirstPostDependencies {
  schedules: Pick<ScheduleStore, "get">;
  decisions: readonly FirstPostDecision[];
}

/** Reads the run's schedule as stored now; undefined when it was deleted. */
export type ScheduleReader = () => Promise<ScheduleRecord | undefined>;

/** A ScheduleReader that reads schedule `scheduleId` through `read` once, however often it is called. */
export function scheduleReadOnce(
  read: (scheduleId: string) => Promise<ScheduleRecord | undefined>,
  scheduleId: string,
): ScheduleReader {
  let stored: Promise<ScheduleRecord | undefined> | undefined;
  return () => (stored ??= read(scheduleId));
}

/**
 * Takes the decisions for a run about to be POSTed for the first time; manual and API runs always go. With
 * `readSchedule` the schedule is read through it (the worker's one read for all its decisions at the instant).
 */
export async function decideBeforeFirstPost(
  deps: FirstPostDependencies,
  run: RunRecord,
  now: Date,
  readSchedule?: ScheduleReader,
): Promise<FirstPostVerdict & { decision?: string }> {
  if (run.attempts > 0 || run.scheduleId === null || run.reason === "manual" || run.reason === "api") {
    return POST;
  }
  const scheduleId = run.scheduleId;
  const facts: FirstPostFacts = {
    run,
    schedule: readSchedule ?? scheduleReadOnce((id) => deps.schedules.get(id), scheduleId),
    now,
  };
  for (const decision of deps.decisions) {
    const verdict = await decision.decide(facts);
    if (verdict.kind !== "post") return { ...verdict, decision: decision.name };
  }
  return POST;
}

function skip(reason: string): FirstPostVerdict {
  return { kind: "skip", reason };
}
