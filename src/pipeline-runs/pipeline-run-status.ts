import {
  ENDED_PIPELINE_STATUSES,
  PIPELINE_RUN_STATUSES,
  type PipelineRunStatus,
  type RunRecord,
} from "../runs/run-record.js";

/**
 * The status of an Azure ML pipeline run, as the pipelines service reports it on
 * `GET {base}/pipelines/v1.0/subscriptions/{sub}/resourceGroups/{rg}/providers/Microsoft.MachineLearningServices/workspaces/{ws}/PipelineRuns/{pipelineRunId}`:
 * a `PipelineRunEntity` whose `Status.StatusCode` is 0 NotStarted, 1 Running, 2 Failed, 3 Finished, 4 Canceled
 * (a number, or the number or the name as a string, depending on the serializer). The list is the run record's.
 */
export { PIPELINE_RUN_STATUSES, type PipelineRunStatus };

/** The statuses after which a pipeline run never changes again. */
export const TERMINAL_STATUSES: readonly PipelineRunStatus[] = ENDED_PIPELINE_STATUSES;

/** Azure ML is asked about one run at most once per this interval, however often its wait is polled. */
export const STATUS_REFRESH_INTERVAL_MS = 5_000;
/** Retry-After while the submission itself is still Pending (the queue worker usually takes a second or two). */
export const PENDING_RETRY_AFTER_SECONDS = 2;
const MAX_RETRY_AFTER_SECONDS = 60;

export function isPipelineRunStatus(value: unknown): value is PipelineRunStatus {
  return (PIPELINE_RUN_STATUSES as readonly unknown[]).includes(value);
}

/** `_AevaPipelineRunProvider.get_status` (azureml-pipeline-core `_aeva_provider.py`) reads codes "0"-"4" so. */
const STATUS_BY_CODE: readonly PipelineRunStatus[] = PIPELINE_RUN_STATUSES;

export interface ReportedStatus {
  status: PipelineRunStatus;
  /**
   * The service's own word when it is not one of the five (`Queued`, `Paused`, `NotResponding`, ...), else
   * `Status.StatusDetail` when the service gave one (a failed step's message, say), else null.
   */
  detail: string | null;
}

/**
 * The status a PipelineRunEntity reports, as the SDK reads it (CONTRACT 4, the run fields):
 * - no `Status` (or null) is NotStarted: `get_status` takes `result.status is None` for 'NotStarted';
 * - `Status.StatusCode` 0-4, as a number or text, and a word naming one of the five statuses are that status;
 * - `Queued` is NotStarted; any other word (`Unknown`, `NotResponding`, `Paused`, one added later) is Running,
 *   since the SDK keeps waiting on whatever is not final (azureml-core `azureml/core/run.py` `RUNNING_STATES`
 *   lists Queued, NotResponding, Paused and Unknown among the running states), and the word is kept as detail.
 * Undefined when the answer is not a pipeline run at all: not an object, or a Status of an unreadable type.
 */
export function reportedStatusOf(body: unknown): ReportedStatus | undefined {
  if (!isObject(body)) return undefined;
  const status = body.Status;
  if (status === undefined || status === null) return { status: "NotStarted", detail: null };
  if (!isObject(status)) return statusOfCode(status, null);
  const detail =
    typeof status.StatusDetail === "string" && status.StatusDetail.trim() !== "" ? status.StatusDetail : null;
  return statusOfCode(status.StatusCode, detail);
}

function statusOfCode(code: unknown, statusDetail: string | null): ReportedStatus | undefined {
  if (code === undefined || code === null) return { status: "NotStarted", detail: statusDetail };
  if (typeof code === "number") {
    const known = Number.isInteger(code) ? STATUS_BY_CODE[code] : undefined;
    return known === undefined
      ? { status: "Running", detail: String(code) }
      : { status: known, detail: statusDetail };
  }
  if (typeof code !== "string") return undefined;
  const word = code.trim();
  if (word === "") return { status: "NotStarted", detail: statusDetail };
  const known = /^[0-4]$/.test(word)
    ? STATUS_BY_CODE[Number(word)]
    : PIPELINE_RUN_STATUSES.find((name) => name.toLowerCase() === word.toLowerCase());
  if (known !== undefined) return { status: known, detail: statusDetail };
  return { status: word.toLowerCase() === "queued" ? "NotStarted" : "Running", detail: word };
}

/**
 * The status URL of a pipeline run submitted to `endpointUrl`: the same service, workspace and path up to
 * `/PipelineRuns/`, then the run id (submit URLs are `.../PipelineRuns/PipelineSubmit/{id}` or
 * `.../PipelineRuns/PipelineEndpointSubmit/...`). Undefined when the endpoint URL has no such segment.
 */
export function pipelineRunStatusUrl(endpointUrl: string, pipelineRunId: string): URL | undefined {
  let url: URL;
  try {
    url = new URL(endpointUrl);
  } catch {
    return undefined;
  }
  const marker = /\/PipelineRuns\//i.exec(url.pathname);
  if (marker === null) return undefined;
  const workspacePath = url.pathname.slice(0, marker.index);
  return new URL(`${url.origin}${workspacePath}/PipelineRuns/${encodeURIComponent(pipelineRunId)}`);
}

/**
 * Where a run's status is read, by its target kind: the v1 pipeline run (CONTRACT 4: the submit URL cut before
 * `/PipelineRuns/`) or the v2 job (CONTRACT 7: Resource Manager `…/jobs/{jobName}`, kept in the run once known).
 */
export type RunStatusLocation = { kind: "pipelineRun" | "job"; url: URL };

export function runStatusLocation(
  run: Pick<RunRecord, "endpointUrl" | "pipelineRunId" | "v2">,
): RunStatusLocation | undefined {
  if (run.pipelineRunId === null) return undefined;
  if (run.v2 !== undefined) {
    const statusUrl = run.v2.statusUrl;
    return statusUrl === undefined || !URL.canParse(statusUrl)
      ? undefined
      : { kind: "job", url: new URL(statusUrl) };
  }
  const url = pipelineRunStatusUrl(run.endpointUrl, run.pipelineRunId);
  return url === undefined ? undefined : { kind: "pipelineRun", url };
}

/** The last thing learnt about a run's pipeline run, shared by every instance answering its wait. */
export interface StatusCheck {
  runId: string;
  /** Null until the service reported a status. */
  status: PipelineRunStatus | null;
  detail: string | null;
  /** When Azure ML was last asked (or is being asked), ISO. */
  checkedAt: string;
  /** Why the last question got no status; `final` when asking again the same way cannot help (a 4xx). */
  failure: { final: boolean; httpStatus: number | null; message: string } | null;
}

export type WaitVerdict =
  /** The submission is still Pending: poll again. */
  | { kind: "pending"; retryAfterSeconds: number }
  /** The submission failed for good; there is no pipeline run. */
  | { kind: "submissionFailed"; message: string }
  /** The run was skipped (CONTRACT 2.5): nothing was sent. */
  | { kind: "skipped"; message: string }
  /** Submitted, but nothing says where its status could be read: the wait ends with the submission. */
  | { kind: "untracked" }
  | { kind: "finished" }
  | { kind: "ended"; status: "Failed" | "Canceled" }
  /** The status service refused the question (e.g. 403); asked again after the interval. */
  | { kind: "statusUnavailable"; message: string; httpStatus: number | null }
  | { kind: "running"; retryAfterSeconds: number }
  /** The last check is older than the interval: ask Azure ML now. */
  | { kind: "refresh" };

/** What the wait of `run` answers at `now`, given the last status check; pure. */
export function planWait(
  run: Pick<RunRecord, "status" | "error" | "pipelineRunId" | "endpointUrl" | "nextAttemptAt" | "v2">,
  check: StatusCheck | undefined,
  now: Date,
  intervalMs = STATUS_REFRESH_INTERVAL_MS,
): WaitVerdict {
  if (run.status === "Pending") {
    const waitMs = run.nextAttemptAt === null ? 0 : Date.parse(run.nextAttemptAt) - now.getTime();
    return { kind: "pending", retryAfterSeconds: clampSeconds(waitMs, PENDING_RETRY_AFTER_SECONDS) };
  }
  if (run.status === "Failed") {
    return { kind: "submissionFailed", message: run.error ?? "The submission failed." };
  }
  if (run.status === "Skipped") return { kind: "skipped", message: run.error ?? "The run was skipped." };
  // Held until an earlier run of its schedule ends (CONTRACT 2.5, bufferOne): that may take as long as a run does.
  if (run.status === "Deferred") return { kind: "pending", retryAfterSeconds: MAX_RETRY_AFTER_SECONDS };
  if (runStatusLocation(run) === undefined) return { kind: "untracked" };
  if (check?.status === "Finished") return { kind: "finished" };
  if (check?.status === "Failed" || check?.status === "Canceled")
    return { kind: "ended", status: check.status };
  const ageMs = check === undefined ? Infinity : now.getTime() - Date.parse(check.checkedAt);
  // A check stamped a little in the future is another instance's clock running ahead: still fresh.
  if (ageMs >= intervalMs || ageMs < -intervalMs) return { kind: "refresh" };
  if (check?.failure?.final) {
    return {
      kind: "statusUnavailable",
      message: check.failure.message,
      httpStatus: check.failure.httpStatus,
    };
  }
  return { kind: "running", retryAfterSeconds: clampSeconds(intervalMs - Math.max(0, ageMs), 1) };
}

function clampSeconds(ms: number, atLeast: number): number {
  return Math.min(MAX_RETRY_AFTER_SECONDS, Math.max(atLeast, Math.ceil(ms / 1000)));
}

function isObject(value: unknown): value is Record<string, unknown> {
  return typeof value === "object" && value !== null && !Array.isArray(value);
}
