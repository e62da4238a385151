import { PreconditionFailedError } from "../errors.js";
import type { RunQueue } from "../runs/run-queue.js";
import { endingOf, isUnfinished, type RunEnding, type RunRecord } from "../runs/run-record.js";
import { UNSETTLED_GRACE_MS, type RunStore } from "../runs/run-store.js";
import { runOutcomeMetricLine, runTransitionLine } from "../runs/run-telemetry.js";
import type { ScheduleRunState, ScheduleRunStateStore } from "../runs/schedule-run-state.js";
import { timingOnUpdate } from "../schedules/lifecycle.js";
import type { ScheduleRecord } from "../schedules/record.js";
import type { ScheduleStore } from "../state/schedule-store.js";
import type { NotifiedEnding, RunNotifications } from "./notifications.js";
import { pauseReason, pausesSchedule, recordEnding, type EndingFacts } from "./run-ending-state.js";

/** What the overlap and failure policies work over (CONTRACT 2.5, 8). */
export interface RunPolicyDependencies {
  schedules: ScheduleStore;
  runs: RunStore;
  runStates: ScheduleRunStateStore;
  /** The submission queue, for a held run that may go now. */
  queue: RunQueue;
  notifications: RunNotifications;
  clock(): Date;
  log(line: string): void;
}

/** Conditional writes of one schedule's run state retried this often when other writers keep changing it. */
export const STATE_WRITE_ATTEMPTS = 10;

const NOTIFIED: readonly RunEnding[] = ["Failed", "Canceled", "Skipped"];

/**
 * The consequences of a run's end (CONTRACT 2.5, 8), once: the metric line; on its schedule's run state, the run no
 * longer holds back the next occurrences and the consecutive failures are counted; `pauseAfterFailures` disables
 * the schedule; the notifications; and a held run goes when nothing holds it back any more. Safe to call again
 * for the same run (a redelivery, a retry after a crash): the run says when its end was handled, and the state
 * counts a run once.
 */
export async function handleRunEnd(deps: RunPolicyDependencies, run: RunRecord): Promise<void> {
  const ending = endingOf(run);
  if (ending === undefined || run.endHandledAt !== null) return;
  deps.log(runOutcomeMetricLine(run, ending));
  const schedule = run.scheduleId === null ? undefined : await deps.schedules.get(run.scheduleId);
  if (schedule !== undefined) await applyToSchedule(deps, schedule, run, ending);
  try {
    await deps.runs.update({ ...run, endHandledAt: deps.clock().toISOString() });
  } catch (error) {
    // Another caller handled the same end meanwhile and said so first.
    if (!(error instanceof PreconditionFailedError)) throw error;
  }
}

async function applyToSchedule(
  deps: RunPolicyDependencies,
  schedule: ScheduleRecord,
  run: RunRecord,
  ending: RunEnding,
): Promise<void> {
  const facts: EndingFacts = {
    runId: run.id,
    reason: run.reason,
    ending,
    enablementId: schedule.enablementId ?? "",
  };
  const { state, firstRecord } = await recordInState(deps, schedule, facts);
  let current = schedule;
  const limit = schedule.definition.policy.pauseAfterFailures;
  if (firstRecord && limit !== undefined && pausesSchedule(state, facts, limit)) {
    const paused = await pauseSchedule(deps, schedule.id, pauseReason(limit, run.id));
    if (paused !== undefined) {
      current = paused;
      deps.log(`schedule ${schedule.id} (${schedule.definition.name}): ${paused.statusReason ?? "paused"}`);
      await notify(deps, schedule.id, () => deps.notifications.onSchedulePaused(paused, run));
    }
  }
  if ((NOTIFIED as readonly string[]).includes(ending)) {
    await notify(deps, schedule.id, () =>
      deps.notifications.onRunEnded(current, run, ending as NotifiedEnding),
    );
  }
  await releaseHeldRun(deps, current, state);
}

/**
 * Records the end in the schedule's run state. A schedule whose policies keep nothing about this run (overlap
 * `allow` or `skip`, no pauseAfterFailures, the run not named) needs no write; `bufferOne` always writes, so that a
 * hold decided on the state as it was before this end fails its conditional write and is taken again.
 */
async function recordInState(
  deps: RunPolicyDependencies,
  schedule: ScheduleRecord,
  facts: EndingFacts,
): Promise<{ state: ScheduleRunState; firstRecord: boolean }> {
  const { policy } = schedule.definition;
  for (let attempt = 0; attempt < STATE_WRITE_ATTEMPTS; attempt++) {
    const state = await deps.runStates.get(schedule.id);
    if (state.endedRuns.includes(facts.runId)) return { state, firstRecord: false };
    const named = state.inFlight.includes(facts.runId) || state.held === facts.runId;
    if (!named && policy.overlap !== "bufferOne" && policy.pauseAfterFailures === undefined) {
      return { state, firstRecord: true };
    }
    const saved = await deps.runStates.save(recordEnding(state, facts));
    if (saved !== undefined) return { state: saved, firstRecord: true };
  }
  throw new PreconditionFailedError(`The run state of schedule ${schedule.id} kept changing`);
}

/**
 * Disables the schedule with `statusReason` (CONTRACT 2.5), as `POST /disable` would. Undefined when it is no
 * longer Active (a user disabled or deleted it meanwhile): nothing to pause.
 */
export async function pauseSchedule(
  deps: Pick<RunPolicyDependencies, "schedules" | "clock">,
  scheduleId: string,
  statusReason: string,
): Promise<ScheduleRecord | undefined> {
  for (let attempt = 0; attempt < STATE_WRITE_ATTEMPTS; attempt++) {
    const current = await deps.schedules.get(scheduleId);
    if (current?.definition.status !== "Active") return undefined;
    const now = deps.clock();
    const { etag: _etag, ...stored } = current;
    const definition = { ...current.definition, status: "Disabled" as const };
    try {
      return await deps.schedules.replace(
        current,
        {
          ...stored,
          definition,
          updatedAt: now.toISOString(),
          ...timingOnUpdate(current, definition, now),
          statusReason,
        },
        current.etag,
      );
    } catch (error) {
      if (!(error instanceof PreconditionFailedError)) throw error;
    }
  }
  throw new PreconditionFailedError(`Schedule ${scheduleId} kept changing; it was not paused`);
}

/**
 * The run `bufferOne` holds goes once no run it waits for is unfinished: it becomes Pending again and is sent to
 * the submission queue, where the overlap decision lets it through (or holds it again, should another run have
 * started meanwhile). A held run of a schedule that is no longer Active is Skipped instead.
 */
export async function releaseHeldRun(
  deps: RunPolicyDependencies,
  schedule: ScheduleRecord,
  state: ScheduleRunState,
): Promise<void> {
  if (state.held === null) return;
  const held = await deps.runs.get(state.held);
  if (held?.status !== "Deferred") return;
  for (const runId of state.inFlight) {
    const earlier = await deps.runs.get(runId);
    if (earlier !== undefined && isUnfinished(earlier)) return;
  }
  const now = deps.clock();
  try {
    if (schedule.definition.status !== "Active") {
      const skipped = await deps.runs.update({
        ...held,
        status: "Skipped",
        error: `Skipped: the schedule was disabled while this run was held (policy.overlap "bufferOne")`,
      });
      deps.log(runTransitionLine(skipped));
      await handleRunEnd(deps, skipped);
      return;
    }
    // Back on the unsettled list first, so that the sweep sends it should the enqueue below be lost.
    await deps.runs.postponeCheck(held.id, new Date(now.getTime() + UNSETTLED_GRACE_MS));
    const released = await deps.runs.update({ ...held, status: "Pending", error: null, nextAttemptAt: null });
    deps.log(runTransitionLine(released));
    await deps.queue.enqueue(released.id);
  } catch (error) {
    // Another end released (or a newer occurrence replaced) it first.
    if (!(error instanceof PreconditionFailedError)) throw error;
  }
}

async function notify(
  deps: RunPolicyDependencies,
  scheduleId: string,
  send: () => Promise<void>,
): Promise<void> {
  try {
    await send();
  } catch (error) {
    deps.log(`schedule ${scheduleId}: a notification could not be handed over: ${String(error)}`);
  }
}
