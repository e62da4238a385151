import type { RunRecord } from "../runs/run-record.js";

/**
 * The status of an Azure ML pipeline run, as the pipelines service reports it on
 * `GET {base}/pipelines/v1.0/subscriptions/{sub}/resourceGroups/{rg}/providers/Microsoft.MachineLearningServices/workspaces/{ws}/PipelineRuns/{pipelineRunId}`:
 * a `PipelineRunEntity` whose `Status.StatusCode` is 0 NotStarted, 1 Running, 2 Failed, 3 Finished, 4 Canceled
 * (a number, or the number or the name as a string, depending on the serializer).
 */
export const PIPELINE_RUN_STATUSES = ["NotStarted", "Running", "Failed", "Finished", "Canceled"] as const;
export type PipelineRunStatus = (typeof PIPELINE_RUN_STATUSES)[number];

/** The statuses after which a pipeline run never changes again. */
export const TERMINAL_STATUSES: readonly PipelineRunStatus[] = ["Failed", "Finished", "Canceled"];

/** Azure ML is asked about one run at most once per this interval, however often its wait is polled. */
export const STATUS_REFRESH_INTERVAL_MS = 5_000;
/** Retry-After while the submission itself is still Pending (the queue worker usually takes a second or two). */
export const PENDING_RETRY_AFTER_SECONDS = 2;
const MAX_RETRY_AFTER_SECONDS = 60;

const STATUS_BY_CODE: Record<string, PipelineRunStatus> = {
  "0": "NotStarted",
  "1": "Running",
  "2": "Failed",
  "3": "Finished",
  "4": "Canceled",
};

/** Names some serializers write instead of the code, and spellings of other AML run APIs, to the five statuses. */
const STATUS_BY_NAME: Record<string, PipelineRunStatus> = {
  notstarted: "NotStarted",
  queued: "NotStarted",
  preparing: "NotStarted",
  starting: "NotStarted",
  running: "Running",
  finalizing: "Running",
  cancelrequested: "Running",
  failed: "Failed",
  finished: "Finished",
  completed: "Finished",
  canceled: "Canceled",
  cancelled: "Canceled",
};

/** A StatusCode (0-4, as a number or text) or a status name; undefined for anything else. */
export function pipelineRunStatusOf(value: unknown): PipelineRunStatus | undefined {
  if (typeof value === "number" && Number.isInteger(value)) return STATUS_BY_CODE[String(value)];
  if (typeof value !== "string") return undefined;
  const text = value.trim();
  return STATUS_BY_CODE[text] ?? STATUS_BY_NAME[text.toLowerCase()];
}

export interface ReportedStatus {
  status: PipelineRunStatus;
  /** `Status.StatusDetail` or the like, when the service gave one. */
  detail: string | null;
}

/**
 * Reads the status out of a PipelineRunEntity: `Status.StatusCode` (the pipelines service), or a top-level
 * `StatusCode` or `Status` string (older answers and other AML run APIs).
 */
export function reportedStatusOf(body: unknown): ReportedStatus | undefined {
  if (!isObject(body)) return undefined;
  const nested = isObject(body.Status) ? body.Status : undefined;
  const candidates = [
    nested?.StatusCode,
    body.StatusCode,
    typeof body.Status === "string" ? body.Status : undefined,
  ];
  for (const candidate of candidates) {
    const status = pipelineRunStatusOf(candidate);
    if (status !== undefined) {
      const detail = [nested?.StatusDetail, body.StatusDetail].find(
        (value): value is string => typeof value === "string" && value.trim() !== "",
      );
      return { status, detail: detail ?? null };
    }
  }
  return undefined;
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
  run: Pick<RunRecord, "status" | "error" | "pipelineRunId" | "endpointUrl" | "nextAttemptAt">,
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
  if (run.pipelineRunId === null || pipelineRunStatusUrl(run.endpointUrl, run.pipelineRunId) === undefined) {
    return { kind: "untracked" };
  }
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
