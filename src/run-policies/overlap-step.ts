import { PreconditionFailedError } from "../errors.js";
import { isUnfinished, type RunRecord } from "../runs/run-record.js";
import { runTransitionLine } from "../runs/run-telemetry.js";
import type { ScheduleRunState } from "../runs/schedule-run-state.js";
import type { ScheduleReader } from "../submit/first-post-decisions.js";
import { SEND, type FirstPostDecision, type FirstPostStep } from "../submit/first-post-steps.js";
import {
  decideOverlap,
  deferredMessage,
  replacedMessage,
  skippedMessage,
  type OverlapFacts,
} from "./overlap.js";
import { handleRunEnd, STATE_WRITE_ATTEMPTS, type RunPolicyDependencies } from "./run-endings.js";

/**
 * The `policy.overlap` decision as a step before a run's first POST (CONTRACT 2.5): the moment the run's
 * occurrence comes due. `allow` lets everything through without reading anything more; `skip` and `bufferOne` read
 * the schedule's run state and the runs it names, and let the run through by a conditional write of that state,
 * so that two instances cannot both find nothing unfinished and fire.
 */
export function overlapStep(deps: RunPolicyDependencies): FirstPostStep {
  return {
    name: "overlap",
    decide: (run, _now, readSchedule) => decideRunOverlap(deps, run, readSchedule),
  };
}

/**
 * How many of the schedule's newest runs are looked at for unfinished runs the state does not name (fired while the
 * policy was `allow`).
 */
export const RECENT_RUNS_CHECKED = 10;

async function decideRunOverlap(
  deps: RunPolicyDependencies,
  run: RunRecord,
  readSchedule: ScheduleReader | undefined,
): Promise<FirstPostDecision> {
  const { scheduleId } = run;
  if (scheduleId === null) return SEND;
  const schedule = await (readSchedule ?? (() => deps.schedules.get(scheduleId)))();
  const overlap = schedule?.definition.policy.overlap ?? "allow";
  if (overlap === "allow") return SEND;
  for (let attempt = 0; attempt < STATE_WRITE_ATTEMPTS; attempt++) {
    const state = await deps.runStates.get(scheduleId);
    const decision = decideOverlap({ ...(await readFacts(deps, run, state)), overlap });
    switch (decision.kind) {
      case "send":
        if (decision.next === undefined || (await deps.runStates.save(decision.next)) !== undefined)
          return SEND;
        continue;
      case "skip":
        return {
          send: false,
          run: await settle(deps, run, "Skipped", skippedMessage(decision.blockingRunId)),
        };
      case "replaceHeld":
        await replaceHeldRun(deps, decision.heldRunId, replacedMessage(run.id, decision.blockingRunId));
        continue;
      case "hold":
        if (decision.next !== undefined && (await deps.runStates.save(decision.next)) === undefined) continue;
        return {
          send: false,
          run: await settle(deps, run, "Deferred", deferredMessage(decision.blockingRunId)),
        };
    }
  }
  throw new PreconditionFailedError(`The run state of schedule ${scheduleId} kept changing`);
}

async function readFacts(
  deps: RunPolicyDependencies,
  run: RunRecord,
  state: ScheduleRunState,
): Promise<Omit<OverlapFacts, "overlap">> {
  const named = state.inFlight.filter((id) => id !== run.id);
  const records = await Promise.all(named.map((id) => deps.runs.get(id)));
  const unfinishedInFlight = named.filter((_id, index) => {
    const record = records[index];
    return record !== undefined && isUnfinished(record);
  });
  const held = state.held === null || state.held === run.id ? undefined : await deps.runs.get(state.held);
  const otherUnfinished: string[] = [];
  // Released from holding, on its way through this decision: it came due before this run.
  if (held?.status === "Pending") otherUnfinished.push(held.id);
  const recent = await deps.runs.listForSchedule(run.scheduleId ?? "", RECENT_RUNS_CHECKED);
  for (const other of recent.items) {
    if (other.id === run.id || state.inFlight.includes(other.id) || other.id === state.held) continue;
    if (isEarlierUnfinished(other)) otherUnfinished.push(other.id);
  }
  return {
    runId: run.id,
    manual: run.reason === "manual" || run.reason === "api",
    state,
    unfinishedInFlight,
    otherUnfinished,
    heldDeferred: held?.status === "Deferred" ? held.id : null,
  };
}

/**
 * An unfinished run that is not a scheduled run still before its own decision (one claimed early for a later
 * instant, or a concurrent occurrence, which the state's conditional write orders): a manual run, a run already
 * POSTed once, or a Submitted run still followed.
 */
function isEarlierUnfinished(run: RunRecord): boolean {
  if (!isUnfinished(run)) return false;
  return run.status !== "Pending" || run.reason === "manual" || run.attempts > 0;
}

/** The run as this decision settles it; a PreconditionFailedError when another delivery changed it first. */
async function settle(
  deps: RunPolicyDependencies,
  run: RunRecord,
  status: "Skipped" | "Deferred",
  error: string,
): Promise<RunRecord> {
  return deps.runs.update({ ...run, status, error, nextAttemptAt: null });
}

/** The held run becomes Skipped, naming the newer run that replaces it; its end is handled at once. */
async function replaceHeldRun(deps: RunPolicyDependencies, heldRunId: string, error: string): Promise<void> {
  const held = await deps.runs.get(heldRunId);
  if (held?.status !== "Deferred") return;
  let skipped: RunRecord;
  try {
    skipped = await deps.runs.update({ ...held, status: "Skipped", error });
  } catch (error) {
    // Released or replaced by another decision meanwhile: the next read of the state says which.
    if (error instanceof PreconditionFailedError) return;
    throw error;
  }
  deps.log(runTransitionLine(skipped));
  await handleRunEnd(deps, skipped);
}
