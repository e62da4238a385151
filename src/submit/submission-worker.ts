import { PreconditionFailedError } from "../errors.js";
import { runMessageSchema, type RunQueue } from "../runs/run-queue.js";
import type { RunRecord } from "../runs/run-record.js";
import type { RunStore } from "../runs/run-store.js";
import type { SubmitOutcome } from "./pipeline-client.js";
import { backoffDelayMs, MAX_ATTEMPTS } from "./retry-policy.js";

/**
 * The queue worker: one message, at most one POST. A retry does not hold the worker: the run stays Pending
 * with `nextAttemptAt`, and a delayed message brings it back (CONTRACT 3).
 */
export interface SubmissionDependencies {
  runs: RunStore;
  queue: RunQueue;
  /** One POST of the run's request to its endpoint (`postPipelineRun` with the settings and credential). */
  post(run: RunRecord): Promise<SubmitOutcome>;
  clock(): Date;
  /** Backoff before the next attempt; `backoffDelayMs` with jitter in production. */
  retryDelayMs(attempt: number, retryAfterMs: number | null): number;
  /** Attempts before a run fails for good; MAX_ATTEMPTS in production. */
  maxAttempts: number;
  log(message: string): void;
  /**
   * Told when a run ends here, i.e. its submission Failed (the notifications of CONTRACT 8); it must not throw,
   * and nothing waits on it but the message's completion. None by default.
   */
  runEnded?(run: RunRecord): Promise<void>;
}

/** The retry settings used outside tests. */
export const PRODUCTION_RETRIES: Pick<SubmissionDependencies, "retryDelayMs" | "maxAttempts"> = {
  retryDelayMs: (attempt, retryAfterMs) => backoffDelayMs(attempt, retryAfterMs, Math.random),
  maxAttempts: MAX_ATTEMPTS,
};

/** How long a claimed attempt keeps other deliveries of the same run away: the POST timeout plus a margin. */
export const ATTEMPT_LEASE_MS = 90_000;
/** Instances' clocks differ a little; a delayed message may arrive that much before nextAttemptAt. */
const CLOCK_TOLERANCE_MS = 1_000;

export interface Delivery {
  /** How many times the queue has delivered this message, this time included. */
  dequeueCount: number;
  /** After this many deliveries the host moves the message to the poison queue. */
  maxDequeueCount: number;
}

export async function submitQueuedRun(
  deps: SubmissionDependencies,
  message: unknown,
  delivery: Delivery,
): Promise<RunRecord | undefined> {
  const { runId } = runMessageSchema.parse(message);
  try {
    return await attemptSubmission(deps, runId);
  } catch (error) {
    // The host will park the message in the poison queue after this delivery: say so on the run first.
    if (delivery.dequeueCount >= delivery.maxDequeueCount) await failAfterPoison(deps, runId, error);
    throw error;
  }
}

async function attemptSubmission(
  deps: SubmissionDependencies,
  runId: string,
): Promise<RunRecord | undefined> {
  const run = await deps.runs.get(runId);
  if (!run) {
    deps.log(`run ${runId}: no such run, message dropped`);
    return undefined;
  }
  if (run.status !== "Pending") return run;
  const startedAt = deps.clock();
  if (
    run.nextAttemptAt !== null &&
    Date.parse(run.nextAttemptAt) > startedAt.getTime() + CLOCK_TOLERANCE_MS
  ) {
    // Another delivery holds the attempt, or a retry waits for its own delayed message; the sweep covers a crash.
    return run;
  }
  const claimed = await claimAttempt(deps, run, startedAt);
  if (!claimed) return undefined;
  const outcome = await deps.post(claimed);
  return recordOutcome(deps, claimed, outcome);
}

/** Counts the attempt before the POST, so a crash after it shows as one more attempt (at-least-once). */
async function claimAttempt(
  deps: SubmissionDependencies,
  run: RunRecord,
  now: Date,
): Promise<RunRecord | undefined> {
  try {
    return await deps.runs.update({
      ...run,
      attempts: run.attempts + 1,
      nextAttemptAt: new Date(now.getTime() + ATTEMPT_LEASE_MS).toISOString(),
    });
  } catch (error) {
    if (error instanceof PreconditionFailedError) return undefined;
    throw error;
  }
}

async function recordOutcome(
  deps: SubmissionDependencies,
  attempted: RunRecord,
  outcome: SubmitOutcome,
): Promise<RunRecord> {
  // What the attempt learnt (a v2 run's scoring URI, its job's final body) is kept whatever came of it.
  const run: RunRecord = { ...attempted, ...outcome.runUpdate };
  const now = deps.clock();
  if (outcome.kind === "submitted") {
    return settle(deps, {
      ...run,
      status: "Submitted",
      submittedAt: now.toISOString(),
      pipelineRunId: outcome.pipelineRunId,
      httpStatus: outcome.httpStatus,
      error: null,
      nextAttemptAt: null,
    });
  }
  if (outcome.kind === "final") {
    return settle(deps, {
      ...run,
      status: "Failed",
      httpStatus: outcome.httpStatus,
      error: outcome.message,
      nextAttemptAt: null,
    });
  }
  if (run.attempts >= deps.maxAttempts) {
    const failed = await settle(deps, {
      ...run,
      status: "Failed",
      httpStatus: outcome.httpStatus,
      error: `Gave up after ${run.attempts} attempts: ${outcome.message}`,
      nextAttemptAt: null,
    });
    await deps.queue.sendToPoison({ runId: run.id });
    return failed;
  }
  const delayMs = deps.retryDelayMs(run.attempts, outcome.retryAfterMs);
  const waiting = await deps.runs.update({
    ...run,
    httpStatus: outcome.httpStatus,
    error: outcome.message,
    nextAttemptAt: new Date(now.getTime() + delayMs).toISOString(),
  });
  await deps.queue.enqueue(run.id, delayMs);
  deps.log(
    `run ${run.id}: attempt ${run.attempts} failed (${outcome.message}); retrying in ${Math.round(delayMs / 1000)} s`,
  );
  return waiting;
}

async function settle(deps: SubmissionDependencies, run: RunRecord): Promise<RunRecord> {
  const saved = await deps.runs.update(run);
  await deps.runs.markSettled(run.id);
  deps.log(
    `run ${run.id}: ${run.status}${run.error ? ` (${run.error})` : ""} after ${run.attempts} attempt(s)`,
  );
  if (saved.status === "Failed") await deps.runEnded?.(saved);
  return saved;
}

async function failAfterPoison(deps: SubmissionDependencies, runId: string, cause: unknown): Promise<void> {
  try {
    const run = await deps.runs.get(runId);
    if (run?.status !== "Pending") return;
    await settle(deps, {
      ...run,
      status: "Failed",
      error: `The submission message failed every delivery and went to the poison queue: ${String(cause)}`,
      nextAttemptAt: null,
    });
  } catch (error) {
    deps.log(`run ${runId}: could not be marked Failed before going to the poison queue: ${String(error)}`);
  }
}
