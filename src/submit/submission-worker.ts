import { settleEach } from "../concurrency.js";
import { PreconditionFailedError } from "../errors.js";
import { fireLagMetricLine, fireLagOf } from "../runs/fire-lag.js";
import { runIdsOf, runMessageSchema, type RunQueue } from "../runs/run-queue.js";
import type { RunRecord } from "../runs/run-record.js";
import type { RunStore } from "../runs/run-store.js";
import { firstPostTiming } from "./fire-instant.js";
import type { ScheduleRecord } from "../schedules/record.js";
import { scheduleReadOnce, type FirstPostVerdict, type ScheduleReader } from "./first-post-decisions.js";
import { runTransitionLine } from "../runs/run-telemetry.js";
import { decideBeforeFirstPost, type FirstPostStep } from "./first-post-steps.js";
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
   * Told when a run ends here without a pipeline run: its submission Failed, or a decision before its first POST
   * Skipped it (the policies and notifications of CONTRACT 2.5, 8). Called again on a redelivery, so it must be
   * idempotent; it must not throw. None by default.
   */
  runEnded?(run: RunRecord): Promise<void>;
  /**
   * The decisions taken before a scheduled run's first POST (first-post-decisions.ts: the schedule still wants
   * the occurrence, ...); without it every run is POSTed.
   */
  beforeFirstPost?: (
    run: RunRecord,
    now: Date,
    readSchedule?: ScheduleReader,
  ) => Promise<FirstPostVerdict & { decision?: string }>;
  /**
   * Reads a schedule as stored now: the one read that the decisions at a run's instant share (still wanted,
   * overlap); without it each decision reads for itself.
   */
  readSchedule?: (scheduleId: string) => Promise<ScheduleRecord | undefined>;
  /**
   * Decisions taken at the run's instant, just before its first POST (CONTRACT 2.5 `policy.overlap`), after the
   * still-wanted check and the wait for the instant; none when absent.
   */
  firstPostSteps?: readonly FirstPostStep[];
  /** A run was submitted: its pipeline run is followed from here (CONTRACT 4). Called again on a redelivery. */
  afterSubmitted?(run: RunRecord): Promise<void>;
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

/**
 * One message: one run, or several enqueued together (run-queue.ts), each handled as if it came alone and all at
 * once. When any of them fails, the message fails after all have been handled, and its next delivery goes on with
 * those still Pending (the settled ones ignore it). Answers the run of a one-run message as recorded.
 */
export async function submitQueuedRun(
  deps: SubmissionDependencies,
  message: unknown,
  delivery: Delivery,
): Promise<RunRecord | undefined> {
  // A run named twice (enqueued twice at once) is handled once; its attempt's claim would stop the second anyway.
  const runIds = [...new Set(runIdsOf(runMessageSchema.parse(message)))];
  const recorded = await settleEach(runIds, (runId) => submitOne(deps, runId, delivery));
  return runIds.length === 1 ? recorded[0] : undefined;
}

async function submitOne(
  deps: SubmissionDependencies,
  runId: string,
  delivery: Delivery,
): Promise<RunRecord | undefined> {
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
  if (run.status !== "Pending") {
    // A delivery after the run was settled: what follows the settling may have been cut short by a crash.
    if (run.status === "Submitted") await deps.afterSubmitted?.(run);
    if (run.status === "Failed" || run.status === "Skipped") await deps.runEnded?.(run);
    return run;
  }
  const startedAt = deps.clock();
  if (
    run.nextAttemptAt !== null &&
    Date.parse(run.nextAttemptAt) > startedAt.getTime() + CLOCK_TOLERANCE_MS
  ) {
    // Another delivery holds the attempt, or a retry waits for its own delayed message; the sweep covers a crash.
    return run;
  }
  if (run.attempts === 0) {
    const timing = firstPostTiming(run, startedAt.getTime());
    if (timing.kind === "requeue") {
      // Arrived long before its instant (a message sent again without its delay): back to the queue until then.
      await deps.queue.enqueue(run.id, timing.delayMs);
      return run;
    }
    if (timing.kind === "wait") await (deps.sleep ?? sleepFor)(timing.ms);
    // Every decision is taken at the instant, once the wait is over, on one read of the schedule: does it still
    // want the occurrence (issue 15), then the overlap policy (CONTRACT 2.5).
    const decidedAt = deps.clock();
    const readSchedule = scheduleReaderFor(deps, run);
    const verdict = (await deps.beforeFirstPost?.(run, decidedAt, readSchedule)) ?? { kind: "post" };
    if (verdict.kind === "skip") return skipRun(deps, run, verdict.reason);
    if (deps.firstPostSteps !== undefined) {
      const settled = await decideFirstPost(deps, run, decidedAt, readSchedule);
      if (settled !== "send") return settled;
    }
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

/** The run's schedule, read at most once for all the decisions before its first POST. */
function scheduleReaderFor(deps: SubmissionDependencies, run: RunRecord): ScheduleReader | undefined {
  const { readSchedule } = deps;
  const { scheduleId } = run;
  if (readSchedule === undefined || scheduleId === null) return undefined;
  return scheduleReadOnce(readSchedule, scheduleId);
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
    const skipped = await settle(deps, { ...run, status: "Skipped", error: reason, nextAttemptAt: null });
    await deps.runEnded?.(skipped);
    return skipped;
  } catch (error) {
    // Another delivery changed the run meanwhile (claimed or settled it): that one goes on.
    if (error instanceof PreconditionFailedError) return undefined;
    throw error;
  }
}

/**
 * The first-POST decisions; a run they settle (Skipped, Deferred) leaves the unsettled list, and a Skipped one has
 * ended. Undefined when another delivery changed the run meanwhile: that one goes on with it.
 */
async function decideFirstPost(
  deps: SubmissionDependencies,
  run: RunRecord,
  now: Date,
  readSchedule: ScheduleReader | undefined,
): Promise<"send" | RunRecord | undefined> {
  let settled: RunRecord | undefined;
  try {
    settled = await decideBeforeFirstPost(deps.firstPostSteps ?? [], run, now, readSchedule);
  } catch (error) {
    if (error instanceof PreconditionFailedError) return undefined;
    throw error;
  }
  if (settled === undefined) return "send";
  await deps.runs.markSettled(settled.id);
  deps.log(runTransitionLine(settled));
  if (settled.status === "Skipped") await deps.runEnded?.(settled);
  return settled;
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
  postedAt: Date,
): Promise<RunRecord> {
  // What the attempt learnt (a v2 run's scoring URI, its job's final body) is kept whatever came of it.
  const run: RunRecord = withFireLag(deps, { ...attempted, ...outcome.runUpdate }, postedAt);
  const now = deps.clock();
  if (outcome.kind === "submitted") {
    const submitted = await settle(deps, {
      ...run,
      status: "Submitted",
      submittedAt: now.toISOString(),
      pipelineRunId: outcome.pipelineRunId,
      httpStatus: outcome.httpStatus,
      error: null,
      nextAttemptAt: null,
    });
    await deps.afterSubmitted?.(submitted);
    return submitted;
  }
  if (outcome.kind === "final") {
    const failed = await settle(deps, {
      ...run,
      status: "Failed",
      httpStatus: outcome.httpStatus,
      error: outcome.message,
      nextAttemptAt: null,
    });
    await deps.runEnded?.(failed);
    return failed;
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
    await deps.runEnded?.(failed);
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
  deps.log(runTransitionLine(saved));
  return saved;
}

async function failAfterPoison(deps: SubmissionDependencies, runId: string, cause: unknown): Promise<void> {
  try {
    const run = await deps.runs.get(runId);
    if (run?.status !== "Pending") return;
    const failed = await settle(deps, {
      ...run,
      status: "Failed",
      error: `The submission message failed every delivery and went to the poison queue: ${String(cause)}`,
      nextAttemptAt: null,
    });
    await deps.runEnded?.(failed);
  } catch (error) {
    deps.log(`run ${runId}: could not be marked Failed before going to the poison queue: ${String(error)}`);
  }
}
