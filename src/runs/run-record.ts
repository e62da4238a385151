import { z } from "zod";
import { derivedRunFields, runDerivedFields, runOutcome } from "./run-outcome.js";

/** A run: one attempt-tracked submission of a pipeline, from a schedule or from the submit API (CONTRACT 4). */

export const RUN_REASONS = ["recurrence", "catchUp", "datastore", "manual", "api"] as const;
export type RunReason = (typeof RUN_REASONS)[number];
export const RUN_STATUSES = ["Pending", "Submitted", "Failed"] as const;
export type RunStatus = (typeof RUN_STATUSES)[number];

const isoInstant = z.iso.datetime();

export const changedBlobSchema = z.object({ path: z.string(), etag: z.string() }).meta({ id: "ChangedBlob" });
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
    request: z
      .record(z.string(), z.unknown())
      .meta({ description: "The body sent to the pipeline endpoint." }),
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
    nextAttemptAt: null,
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
  })
  .meta({ id: "LastRun" });
export type LastRun = z.output<typeof lastRunSchema>;

export function toRunResponse(record: RunRecord): Run {
  const { endpointUrl: _endpointUrl, nextAttemptAt: _nextAttemptAt, etag: _etag, v2, ...run } = record;
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
  };
}
