import { z } from "zod";

/** A run: one attempt-tracked submission of a pipeline, from a schedule or from the submit API (CONTRACT 4). */

export const RUN_REASONS = ["recurrence", "catchUp", "datastore", "manual", "api"] as const;
export type RunReason = (typeof RUN_REASONS)[number];
export const RUN_STATUSES = ["Pending", "Submitted", "Failed"] as const;
export type RunStatus = (typeof RUN_STATUSES)[number];

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

/** The run as the API returns it. */
export const runSchema = z
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
  })
  .meta({ id: "Run" });
export type Run = z.output<typeof runSchema>;

export interface RunRecord extends Run {
  /** The resolved submit URL (CONTRACT 1 target rules), checked again against the allowed hosts at submit time. */
  endpointUrl: string;
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
  Partial<Pick<NewRunRecord, "changedBlob">>;

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
  })
  .meta({ id: "LastRun" });
export type LastRun = z.output<typeof lastRunSchema>;

export function toRunResponse(record: RunRecord): Run {
  const { endpointUrl: _endpointUrl, nextAttemptAt: _nextAttemptAt, etag: _etag, ...run } = record;
  return run;
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
  };
}
