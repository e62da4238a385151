import type { PipelineRunStatus, RunRecord } from "../runs/run-record.js";
import { answerWait, type RunWaitDependencies } from "./run-wait.js";

/**
 * What one look at a run's pipeline run (v1) or job (v2) gave, for the follower (CONTRACT 4). Every look goes
 * through the per-run limit that `/runs/{id}/wait` uses, so that the follower and the callers of the wait never
 * both ask Azure ML about one run within the interval: a look inside it is answered from the last read.
 */
export type PipelineStatusReading =
  /** The status as last read from Azure ML, at `readAt` (this look, or another caller's a moment before). */
  | { kind: "status"; status: PipelineRunStatus; detail: string | null; readAt: string }
  /** Azure ML did not say this time (a network error, 5xx, 403, 404, an unreadable answer). */
  | { kind: "unread"; final: boolean; message: string }
  /** Nothing says where the run's status can be read (a v1 `endpointUrl` without `/PipelineRuns/`). */
  | { kind: "untracked" };

/** Reads the status of any submitted run; the host gives the one that suits the run's target kind. */
export type PipelineStatusReader = (run: RunRecord) => Promise<PipelineStatusReading>;

/**
 * The reading of any run, v1 pipeline run or v2 job (answerWait reads by the run's target kind, run-status.ts): the
 * wait's own answer for a Submitted run, which asks Azure ML only when the last read is older than the interval and
 * this caller wins the claim on it.
 */
export async function readRunStatusThroughWait(
  deps: RunWaitDependencies,
  run: RunRecord,
): Promise<PipelineStatusReading> {
  const { verdict, check } = await answerWait(deps, run);
  if (verdict.kind === "untracked") return { kind: "untracked" };
  if (verdict.kind === "statusUnavailable") return { kind: "unread", final: true, message: verdict.message };
  if (check?.failure != null && verdict.kind === "running") {
    return { kind: "unread", final: check.failure.final, message: check.failure.message };
  }
  if (check?.status == null) {
    return { kind: "unread", final: false, message: "Another caller is reading the status right now" };
  }
  return { kind: "status", status: check.status, detail: check.detail, readAt: check.checkedAt };
}
