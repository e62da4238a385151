import { ValidationError } from "../errors.js";
import { newRunId } from "../runs/run-ids.js";
import { newPendingRun, type ChangedBlob, type NewRunRecord } from "../runs/run-record.js";
import type { ScheduleRecord } from "../schedules/record.js";
import type { ScheduleDefinition } from "../schedules/schema.js";
import { allowedSubmitUrlFor, type EndpointPolicy, type WorkspaceSettings } from "./endpoint-url.js";
import { pipelineSubmitBody } from "./request-body.js";
import type { RunReason } from "../runs/run-record.js";
import { isV2Target } from "../schedules/target-rules.js";
import { newV2Run } from "./v2/v2-run.js";
import { v2TargetingFromSettings, type V2Targeting } from "./v2/v2-targeting.js";

/** What a run is created for: an occurrence of a schedule (scheduledFor) or an out-of-schedule request. */
export interface FireRequest {
  scheduledFor: Date | null;
  reason: RunReason;
}

export interface RunTargeting {
  workspace: WorkspaceSettings;
  endpoints: EndpointPolicy;
  /** Azure ML v2 targets (CONTRACT 7); the defaults of CONTRACT 6 over `workspace` when absent. */
  v2?: V2Targeting;
}

/** The v2 targeting of `targeting`, with CONTRACT 6's defaults when the host gave none. */
export function v2TargetingOf(targeting: RunTargeting): V2Targeting {
  return targeting.v2 ?? v2TargetingFromSettings(targeting.workspace, targeting.endpoints.allowLoopback);
}

export interface ScheduleRunInput extends FireRequest {
  /** The changed blob of a change-based run, with its DataPath assignment (CONTRACT 2.3). */
  changedBlob?: ChangedBlob;
  extraDataPathAssignments?: ScheduleDefinition["dataPathAssignments"];
}

/**
 * A new Pending run of a schedule: the body of CONTRACT 3 and the resolved submit URL. A target that cannot be
 * resolved or is not allowed (settings changed since the schedule was saved) gives a run that is Failed from
 * the start, so that the reason is visible in the run history.
 */
export function newScheduleRun(
  schedule: ScheduleRecord,
  input: ScheduleRunInput,
  now: Date,
  targeting: RunTargeting,
): NewRunRecord {
  const reason = input.reason === "api" ? "manual" : input.reason;
  if (isV2Target(schedule.definition.target)) {
    return newV2Run(
      {
        id: newRunId(schedule.id, now),
        scheduleId: schedule.id,
        scheduleName: schedule.definition.name,
        reason,
        scheduledFor: input.scheduledFor,
        createdAt: now,
        ...(input.changedBlob === undefined ? {} : { changedBlob: input.changedBlob }),
        target: schedule.definition.target,
        definition: schedule.definition,
        ...(input.extraDataPathAssignments === undefined
          ? {}
          : { changedBlobAssignments: input.extraDataPathAssignments }),
      },
      v2TargetingOf(targeting),
    );
  }
  const request = pipelineSubmitBody({
    schedule,
    reason,
    scheduledFor: input.scheduledFor,
    ...(input.extraDataPathAssignments ? { extraDataPathAssignments: input.extraDataPathAssignments } : {}),
  });
  const base = newPendingRun({
    id: newRunId(schedule.id, now),
    scheduleId: schedule.id,
    scheduleName: schedule.definition.name,
    reason,
    scheduledFor: input.scheduledFor?.toISOString() ?? null,
    createdAt: now.toISOString(),
    changedBlob: input.changedBlob ?? null,
    request: request as unknown as Record<string, unknown>,
    endpointUrl: "",
  });
  try {
    const url = allowedSubmitUrlFor(schedule.definition.target, targeting.workspace, targeting.endpoints);
    return { ...base, endpointUrl: url.toString() };
  } catch (error) {
    if (!(error instanceof ValidationError)) throw error;
    return { ...base, status: "Failed", error: `Not submitted: ${error.message}` };
  }
}
