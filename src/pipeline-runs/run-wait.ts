import type { RunRecord } from "../runs/run-record.js";
import {
  planWait,
  STATUS_REFRESH_INTERVAL_MS,
  type StatusCheck,
  type WaitVerdict,
} from "./pipeline-run-status.js";
import type { StatusOutcome } from "./status-client.js";
import { readRunStatus } from "./run-status.js";
import type { StatusCheckStore, StoredStatusCheck } from "./status-store.js";

/** What `GET /runs/{id}/wait` needs: the status checks, one GET of a status URL, and the clock. */
export interface RunWaitDependencies {
  checks: StatusCheckStore;
  /** One GET of a v1 pipeline run's status. */
  fetchStatus(url: URL): Promise<StatusOutcome>;
  /** One GET of a v2 job's status (CONTRACT 7); a host without it reports v2 runs as unreadable. */
  fetchJobStatus?(url: URL): Promise<StatusOutcome>;
  clock(): Date;
  /** STATUS_REFRESH_INTERVAL_MS outside tests. */
  intervalMs?: number;
  log(line: string): void;
}

export type WaitAnswerVerdict = Exclude<WaitVerdict, { kind: "refresh" }>;

export interface WaitAnswer {
  verdict: WaitAnswerVerdict;
  /** The last status check, when the run has a pipeline run to follow. */
  check: StatusCheck | undefined;
}

/**
 * Where the run's wait stands now. Asks Azure ML only when the last check is older than the interval, and then
 * only if this caller wins the claim on the check; everyone else answers from the stored check.
 */
export async function answerWait(deps: RunWaitDependencies, run: RunRecord): Promise<WaitAnswer> {
  const intervalMs = deps.intervalMs ?? STATUS_REFRESH_INTERVAL_MS;
  const now = deps.clock();
  const follows = run.status === "Submitted" && run.pipelineRunId !== null;
  let check = follows ? await deps.checks.get(run.id) : undefined;
  let verdict = planWait(run, check, now, intervalMs);
  if (verdict.kind !== "refresh") return { verdict, check };

  const claimed = await deps.checks.claimRefresh(run.id, check, now);
  if (claimed === undefined) {
    // Another caller (maybe on another instance) is asking right now: answer from what is known.
    check = await deps.checks.get(run.id);
    verdict = planWait(run, check, now, intervalMs);
    return {
      verdict: verdict.kind === "refresh" ? { kind: "running", retryAfterSeconds: 1 } : verdict,
      check,
    };
  }
  const refreshed = await refreshCheck(deps, run, claimed);
  verdict = planWait(run, refreshed, now, intervalMs);
  return {
    verdict: verdict.kind === "refresh" ? { kind: "running", retryAfterSeconds: 1 } : verdict,
    check: refreshed,
  };
}

async function refreshCheck(
  deps: RunWaitDependencies,
  run: RunRecord,
  claimed: StoredStatusCheck,
): Promise<StatusCheck> {
  const { etag: _etag, ...base } = claimed;
  const outcome = await readRunStatus(run, {
    pipelineRun: (url) => deps.fetchStatus(url),
    job: (url) =>
      deps.fetchJobStatus?.(url) ??
      Promise.resolve({
        kind: "final",
        httpStatus: null,
        message: "This host reads no Azure ML v2 job status",
      }),
  });
  if (outcome === undefined) throw new Error(`Run ${run.id} has no status URL; planWait should have said so`);
  const check: StatusCheck =
    outcome.kind === "status"
      ? { ...base, status: outcome.status, detail: outcome.detail, failure: null }
      : {
          ...base,
          failure: {
            final: outcome.kind === "final",
            httpStatus: outcome.httpStatus,
            message: outcome.message,
          },
        };
  await deps.checks.save(check);
  if (check.failure !== null) {
    deps.log(`run ${run.id}: pipeline run ${run.pipelineRunId} status not read: ${check.failure.message}`);
  } else if (check.status !== claimed.status) {
    deps.log(`run ${run.id}: pipeline run ${run.pipelineRunId} is ${check.status}`);
  }
  return check;
}
