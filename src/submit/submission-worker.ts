import { PreconditionFailedError } from "../errors.js";
import { fireLagMetricLine, fireLagOf } from "../runs/fire-lag.js";
import { runMessageSchema, type RunQueue } from "../runs/run-queue.js";
import type { RunRecord } from "../runs/run-record.js";
import type { RunStore } from "../runs/run-store.js";
import { firstPostTiming } from "./fire-instant.js";
import type { FirstPostVerdict } from "./first-post-decisions.js";
import type { SubmitOutcome } from "./pipeline-client.js";
import { backoffDelayMs, MAX_ATTEMPTS } from "./retry-policy.js";
import { gateSignalOf, type SubmissionGate } from "./submission-gate.js";

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
   * Told when a run ends here: its submission Failed, or it was Skipped before its first POST (the notifications of CONTRACT 8); it must not throw,
   * and nothing waits on it but the message's completion. None by default.
   */
  runEnded?(run: RunRecord): Promise<void>;
  /**
   * The decisions taken before a scheduled run's first POST (first-post-decisions.ts: the schedule still wants
   * the occurrence, ...); without it every run is POSTed.
   */
  beforeFirstPost?: (run: RunRecord, now: Date) => Promise<FirstPostVerdict & { decision?: string }>;
  /** The instance-wide gate in front of every POST (concurrency, 429 backoff); none when absent. */
  gate?: SubmissionGate;
  /** Waits before a run claimed ahead of its instant is POSTed; setTimeout when absent. */
  sleep?: (ms: number) => Promise<void>;
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
  if (run.attempts === 0) {
    const verdict = (await deps.beforeFirstPost?.(run, startedAt)) ?? { kind: "post" };
    if (verdict.kind === "skip") return skipRun(deps, run, verdict.reason);
    const timing = firstPostTiming(run, startedAt.getTime());
    if (timing.kind === "requeue") {
      // Arrived long before its instant (a message sent again without its delay): back to the queue until then.
      await deps.queue.enqueue(run.id, timing.delayMs);
      return run;
    }
    if (timing.kind === "wait") await (deps.sleep ?? sleepFor)(timing.ms);
  }
  const entry = deps.gate === undefined ? undefined : await deps.gate.acquire();
  if (entry?.kind === "postponed") {
    // The instance is throttled for longer than a worker should wait: the message comes back when it ends.
    await deps.queue.enqueue(run.id, Math.max(0, entry.untilMs - deps.clock().getTime()));
    return run;
  }
  let released = false;
  try {
    const claimed = await claimAttempt(deps, run, deps.clock());
    if (!claimed) return undefined;
    const postedAt = deps.clock();
    const outcome = await deps.post(claimed);
    entry?.release(gateSignalOf(outcome));
    released = true;
    return await recordOutcome(deps, claimed, outcome, postedAt);
  } finally {
    if (!released) entry?.release({ kind: "answered" });
  }
}

function sleepFor(ms: number): Promise<void> {
  return new Promise((resolve) => setTimeout(resolve, ms));
}

/** Settles a run that a decision before its first POST held back: nothing is sent, and the run says why. */
async function skipRun(
  deps: SubmissionDependencies,
  run: RunRecord,
  reason: string,
): Promise<RunRecord | undefined> {
  try {
    return await settle(deps, { ...run, status: "Skipped", error: reason, nextAttemptAt: null });
  } catch (error) {
    // Another delivery changed the run meanwhile (claimed or settled it): that one goes on.
    if (error instanceof PreconditionFailedError) return undefined;
    throw error;
  }
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
  claimed: RunRecord,
  outcome: SubmitOutcome,
  postedAt: Date,
): Promise<RunRecord> {
  const now = deps.clock();
  const run = withFireLag(deps, claimed, postedAt);
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

/** The first POST whose outcome is recorded gives the run its fire lag, and the lag its log line (the metric). */
function withFireLag(deps: SubmissionDependencies, run: RunRecord, postedAt: Date): RunRecord {
  if (run.fireLagMs !== null) return run;
  const fireLagMs = fireLagOf(run, postedAt);
  if (fireLagMs === null) return run;
  deps.log(fireLagMetricLine(run, fireLagMs));
  return { ...run, fireLagMs };
}

async function settle(deps: SubmissionDependencies, run: RunRecord): Promise<RunRecord> {
  const saved = await deps.runs.update(run);
  await deps.runs.markSettled(run.id);
  deps.log(
    `run ${run.id}: ${run.status}${run.error ? ` (${run.error})` : ""} after ${run.attempts} attempt(s)`,
  );
  // A run that ends here ends Failed or, held back before its first POST, Skipped (CONTRACT 8 notifies both).
  if (saved.status === "Failed" || saved.status === "Skipped") await deps.runEnded?.(saved);
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
