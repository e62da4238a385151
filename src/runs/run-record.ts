import { z } from "zod";
import { derivedRunFields, runDerivedFields, runOutcome } from "./run-outcome.js";

/** A run: one attempt-tracked submission of a pipeline, from a schedule or from the submit API (CONTRACT 4). */

export const RUN_REASONS = ["recurrence", "catchUp", "datastore", "manual", "api"] as const;
export type RunReason = (typeof RUN_REASONS)[number];
/**
 * Pending until submitted; Submitted (its pipeline run followed to its end, `pipelineStatus`) or Failed; Skipped
 * when nothing was sent and `error` says why (the schedule was disabled before the instant, or an earlier run was
 * unfinished) and Deferred while `policy.overlap` "bufferOne" holds it (CONTRACT 2.5, 4).
 */
export const RUN_STATUSES = ["Pending", "Submitted", "Failed", "Skipped", "Deferred"] as const;
export type RunStatus = (typeof RUN_STATUSES)[number];

/**
 * The state of a run's pipeline run (v1) or job (v2) as the service last read it (CONTRACT 4): the status codes 0-4
 * of a v1 PipelineRunEntity, in that order (`_AevaPipelineRunProvider.get_status`, azureml-pipeline-core
 * `_aeva_provider.py`).
 */
export const PIPELINE_RUN_STATUSES = ["NotStarted", "Running", "Failed", "Finished", "Canceled"] as const;
export type PipelineRunStatus = (typeof PIPELINE_RUN_STATUSES)[number];

const isoInstant = z.iso.datetime();

/** How a change-based schedule in events mode found a change (CONTRACT 2.3); absent in poll mode. */
export const DETECTED_BY = ["event", "listing"] as const;

export const changedBlobSchema = z
  .object({
    path: z.string(),
    etag: z.string(),
    detectedBy: z
      .enum(DETECTED_BY)
      .optional()
      .meta({ description: 'Events mode: "event" (Event Grid) or "listing" (the reconciliation).' }),
  })
  .meta({ id: "ChangedBlob" });
export type ChangedBlob = z.output<typeof changedBlobSchema>;

/**
 * What an Azure ML v2 run sends, and where (CONTRACT 7). v1 runs have none: they POST `request` to `endpointUrl`,
 * and runs stored before v2 existed read as v1.
 * - `batchEndpoint`: `request` is the invoke body; `endpointUrl` the scoring URI (a `batchEndpointUrl` target's, or
 *   the one the lookup of `endpointName` found, written at submission).
 * - `pipelineComponent`: `request` is the pipeline job (its `componentId` final once `latest` is read); `endpointUrl`
 *   the job's Resource Manager URL, named `jobName` after the run id, PUT once and read for the status.
 * `statusUrl` is where the job's status is read, once known.
 */
export const V2_RUN_KINDS = ["batchEndpoint", "pipelineComponent"] as const;
export type V2RunKind = (typeof V2_RUN_KINDS)[number];

export interface V2RunTarget {
  kind: V2RunKind;
  /** batchEndpoint by name: looked up through Resource Manager at submission. */
  endpointName?: string;
  /** Sent as `azureml-model-deployment`. */
  deployment?: string;
  /** pipelineComponent: its name, and the version asked for (`null`: the latest, read at submission). */
  component?: string;
  version?: string | null;
  jobName?: string;
  statusUrl?: string;
}

/** The run's own fields, as the API returns them (the derived ones are added in runSchema). */
const runFieldsSchema = z
  .object({
    id: z.string(),
    scheduleId: z.string().nullable(),
    scheduleName: z.string().nullable(),
    reason: z.enum(RUN_REASONS),
    scheduledFor: isoInstant.nullable(),
    createdAt: isoInstant,
    submittedAt: isoInstant.nullable(),
    status: z.enum(RUN_STATUSES),
    attempts: z.number().int().min(0),
    pipelineRunId: z.string().nullable(),
    httpStatus: z.number().int().nullable(),
    error: z.string().nullable(),
    changedBlob: changedBlobSchema.nullable(),
    fireLagMs: z.number().int().nullable().meta({
      description:
        "When the first POST left, minus `scheduledFor`, in milliseconds (negative when it left early); null for runs without `scheduledFor` and before the first POST.",
    }),
    request: z
      .record(z.string(), z.unknown())
      .meta({ description: "The body sent to the pipeline endpoint." }),
    pipelineStatus: z.enum(PIPELINE_RUN_STATUSES).nullable().meta({
      description: "The pipeline run's (v1) or job's (v2) status in Azure ML as last read; null until read.",
    }),
    pipelineStatusDetail: z
      .string()
      .nullable()
      .meta({
        description:
          "Azure ML's own word when it is not one of the five statuses (e.g. Queued, Paused), else its status " +
          "detail (e.g. a failed step's message), else null.",
      }),
    pipelineStatusAt: isoInstant
      .nullable()
      .meta({ description: "When Azure ML was last asked for the status; null until then." }),
    finishedAt: isoInstant.nullable().meta({
      description:
        "When the service read that the pipeline run had ended (Finished, Failed or Canceled); null until then.",
    }),
    targetKind: z.enum(V2_RUN_KINDS).optional().meta({
      description:
        "Azure ML v2 runs only: `batchEndpoint` (request is the invoke body) or `pipelineComponent` (the job).",
    }),
  })
  .meta({ description: "A run's own fields, as the run store keeps them." });
export type RunFields = z.output<typeof runFieldsSchema>;

/** The run as the API returns it: its own fields and the read-only ones derived from them (run-outcome.ts). */
export const runSchema = runFieldsSchema.extend(runDerivedFields).meta({ id: "Run" });
export type Run = z.output<typeof runSchema>;

export interface RunRecord extends Omit<RunFields, "targetKind"> {
  /** The resolved submit URL (CONTRACT 1 target rules), checked again against the allowed hosts at submit time. */
  endpointUrl: string;
  /** Azure ML v2 runs only (CONTRACT 7). */
  v2?: V2RunTarget;
  /** While a retry waits: when the next POST may be made. */
  nextAttemptAt: string | null;
  /**
   * When the service stopped following a Submitted run whose pipeline run it never saw end: after
   * RUN_FOLLOW_HOURS, or at once when nothing says where its status can be read. Null otherwise.
   */
  followStoppedAt: string | null;
  /** When the consequences of the run's end (overlap, pauseAfterFailures, notifications) were handled; null before. */
  endHandledAt: string | null;
  /** Storage ETag of the run row. */
  etag: string;
}

export type NewRunRecord = Omit<RunRecord, "etag">;

/** What a new run is made of; everything else starts out Pending with no attempt. */
export type PendingRunFields = Pick<
  NewRunRecord,
  "id" | "scheduleId" | "scheduleName" | "reason" | "scheduledFor" | "createdAt" | "request" | "endpointUrl"
> &
  Partial<Pick<NewRunRecord, "changedBlob" | "v2">>;

export function newPendingRun(fields: PendingRunFields): NewRunRecord {
  return {
    changedBlob: null,
    ...fields,
    submittedAt: null,
    status: "Pending",
    attempts: 0,
    pipelineRunId: null,
    httpStatus: null,
    error: null,
    fireLagMs: null,
    nextAttemptAt: null,
    pipelineStatus: null,
    pipelineStatusDetail: null,
    pipelineStatusAt: null,
    finishedAt: null,
    followStoppedAt: null,
    endHandledAt: null,
  };
}

/** The summary of a schedule's latest run shown on the schedule (`lastRun`). */
export const lastRunSchema = runSchema
  .pick({
    id: true,
    status: true,
    reason: true,
    scheduledFor: true,
    createdAt: true,
    pipelineRunId: true,
    error: true,
    outcome: true,
    pipelineStatus: true,
    finishedAt: true,
  })
  .meta({ id: "LastRun" });
export type LastRun = z.output<typeof lastRunSchema>;

export function toRunResponse(record: RunRecord): Run {
  const {
    endpointUrl: _endpointUrl,
    nextAttemptAt: _nextAttemptAt,
    followStoppedAt: _followStoppedAt,
    endHandledAt: _endHandledAt,
    etag: _etag,
    v2,
    ...run
  } = record;
  return { ...run, ...(v2 === undefined ? {} : { targetKind: v2.kind }), ...derivedRunFields(record) };
}

export function toLastRun(record: RunRecord): LastRun {
  return {
    id: record.id,
    status: record.status,
    reason: record.reason,
    scheduledFor: record.scheduledFor,
    createdAt: record.createdAt,
    pipelineRunId: record.pipelineRunId,
    error: record.error,
    outcome: runOutcome(record),
    pipelineStatus: record.pipelineStatus,
    finishedAt: record.finishedAt,
  };
}

/** The pipeline statuses after which a pipeline run never changes again. */
export const ENDED_PIPELINE_STATUSES: readonly PipelineRunStatus[] = ["Finished", "Failed", "Canceled"];

/**
 * Whether the run still holds back the schedule's next occurrences (CONTRACT 2.5): Pending, or Submitted while its
 * pipeline run has not been seen to end and the service still follows it.
 */
export function isUnfinished(
  run: Pick<RunRecord, "status" | "pipelineStatus" | "finishedAt" | "followStoppedAt">,
): boolean {
  if (run.status === "Pending") return true;
  if (run.status !== "Submitted") return false;
  return run.finishedAt === null && run.followStoppedAt === null;
}

/**
 * How a run ended: its pipeline run Finished, Failed or was Canceled; its submission Failed (also `Failed`); it was
 * Skipped; or the service stopped following it without seeing it end (`NotFollowed`). Undefined while it has not
 * ended: Pending, Deferred, or Submitted and followed.
 */
export type RunEnding = "Finished" | "Failed" | "Canceled" | "Skipped" | "NotFollowed";

export function endingOf(
  run: Pick<RunRecord, "status" | "pipelineStatus" | "finishedAt" | "followStoppedAt">,
): RunEnding | undefined {
  if (run.status === "Failed" || run.status === "Skipped") return run.status;
  if (run.status !== "Submitted") return undefined;
  if (run.finishedAt !== null) {
    const status = run.pipelineStatus;
    return status === "Failed" || status === "Canceled" ? status : "Finished";
  }
  return run.followStoppedAt === null ? undefined : "NotFollowed";
}
