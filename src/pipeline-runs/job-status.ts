import type { PipelineRunStatus, ReportedStatus } from "./pipeline-run-status.js";

/**
 * The status of an Azure ML v2 job, read from `GET {ARM}/…/workspaces/{ws}/jobs/{jobName}?api-version=2024-10-01`
 * (Azure/azure-rest-api-specs stable/2024-10-01, example `Job/PipelineJob/get.json`): `properties.status`, one of the
 * spec's `JobStatus` values NotStarted, Starting, Provisioning, Preparing, Queued, Running, Finalizing,
 * CancelRequested, Completed, Failed, Canceled, NotResponding, Paused, Unknown ("modelAsString": more may come).
 */

/** CONTRACT 7: the words that mean the job has not started yet; Completed, Failed and Canceled end it. */
const NOT_STARTED = ["NotStarted", "Starting", "Provisioning", "Preparing", "Queued"];
const ENDED: Record<string, PipelineRunStatus> = {
  Completed: "Finished",
  Failed: "Failed",
  Canceled: "Canceled",
};

/**
 * The run's pipelineStatus for the job's word (CONTRACT 7), the word kept as the detail; any other word (one
 * added later too) keeps the run Running. A job without `properties.status` has not reported one: NotStarted.
 * Undefined when the answer is not a job at all.
 */
export function reportedJobStatusOf(body: unknown): ReportedStatus | undefined {
  if (!isObject(body) || !isObject(body.properties)) return undefined;
  const word = body.properties.status;
  if (word === undefined || word === null) return { status: "NotStarted", detail: null };
  if (typeof word !== "string") return undefined;
  const status = ENDED[word] ?? (NOT_STARTED.includes(word) ? "NotStarted" : "Running");
  return { status, detail: word };
}

function isObject(value: unknown): value is Record<string, unknown> {
  return typeof value === "object" && value !== null && !Array.isArray(value);
}
