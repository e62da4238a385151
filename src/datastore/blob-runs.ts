import { enqueueNewRun, type RunQueue } from "../runs/run-queue.js";
import type { ChangedBlob, NewRunRecord, RunRecord } from "../runs/run-record.js";
import type { RunStore } from "../runs/run-store.js";
import type { ScheduleRecord } from "../schedules/record.js";
import type { ScheduleRunInput } from "../submit/new-run.js";

/** What creating the run of a change needs: the run store, the submission queue, and how a run is built. */
export interface ChangeRunDependencies {
  runs: RunStore;
  queue: RunQueue;
  /** Builds a run (request body, endpoint URL) for a schedule; pure but for the run id. */
  newRun(schedule: ScheduleRecord, input: ScheduleRunInput, now: Date): NewRunRecord;
}

/**
 * The occurrence key of one change of one blob (CONTRACT 2.3): (datastore, path, ETag), claimed in the schedule's
 * run partition. The listing and the events claim the same key, so that the two can never both fire one change.
 */
export function blobOccurrenceKey(datastoreName: string, path: string, etag: string): string {
  return `blob:${datastoreName}:${path}:${etag}`;
}

/** The run input of one changed blob: its DataPath assignment under the schedule's dataPathParameterName. */
export function changedBlobRunInput(
  datastoreName: string,
  parameterName: string,
  changedBlob: ChangedBlob,
  now: Date,
): ScheduleRunInput {
  return {
    scheduledFor: now,
    reason: "datastore",
    changedBlob,
    extraDataPathAssignments: {
      [parameterName]: { dataStoreName: datastoreName, relativePath: changedBlob.path },
    },
  };
}

/**
 * Creates and enqueues the run of an occurrence key, unless the key was claimed before: then the run exists, and
 * if a crash left it unsent, the scheduling pass's sweep of unsettled runs sends it.
 */
export async function claimRun(
  deps: ChangeRunDependencies,
  schedule: ScheduleRecord,
  input: ScheduleRunInput,
  occurrenceKey: string,
  now: Date,
): Promise<RunRecord | undefined> {
  const result = await deps.runs.create(deps.newRun(schedule, input, now), occurrenceKey);
  if (!result.created) return undefined;
  await enqueueNewRun(deps, result.run);
  return result.run;
}
