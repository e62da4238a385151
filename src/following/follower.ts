import { PreconditionFailedError } from "../errors.js";
import { forEachConcurrently, settleEach } from "../concurrency.js";
import type {
  PipelineStatusReader,
  PipelineStatusReading,
} from "../pipeline-runs/pipeline-status-reading.js";
import { ENDED_PIPELINE_STATUSES, isUnfinished, type RunRecord } from "../runs/run-record.js";
import type { RunStore } from "../runs/run-store.js";
import { runTransitionLine } from "../runs/run-telemetry.js";
import type { FollowUpMessage, FollowUpQueue } from "./follow-up-queue.js";
import type { FollowedRun, FollowUpStore } from "./follow-up-store.js";
import { firstReadAtMs, followUntilMs, nextReadAtMs } from "./follow-up-timing.js";

/**
 * Following submitted runs to their end (CONTRACT 4, 2.5): each read is a delayed queue message, made through the
 * per-run status limit that `/runs/{id}/wait` shares, and recorded on the run (`pipelineStatus`,
 * `pipelineStatusDetail`, `pipelineStatusAt`, `finishedAt`). When the pipeline run ended, or the run is followed no
 * longer (RUN_FOLLOW_HOURS passed, or nothing says where its status can be read), `runEnded` hands it to the
 * policies.
 */
export interface FollowDependencies {
  runs: Pick<RunStore, "get" | "update">;
  followed: FollowUpStore;
  queue: FollowUpQueue;
  readPipelineStatus: PipelineStatusReader;
  /** The consequences of the run's end (the overlap and failure policies, notifications); idempotent. */
  runEnded(run: RunRecord): Promise<void>;
  /** RUN_FOLLOW_HOURS. */
  followHours: number;
  clock(): Date;
  log(line: string): void;
}

/** A follow-up read this late (its message lost, or its instance gone) is sent again by the sweep. */
export const FOLLOW_UP_GRACE_MS = 2 * 60_000;
const SWEEP_LIMIT = 100;
const CONCURRENCY = 16;

/** Starts following a Submitted run: the first read 30 s after its submission. Does nothing when it is followed already. */
export async function startFollowing(deps: FollowDependencies, run: RunRecord): Promise<void> {
  if (run.status !== "Submitted" || !isUnfinished(run)) return;
  const submittedAtMs = Date.parse(run.submittedAt ?? run.createdAt);
  const untilMs = followUntilMs(submittedAtMs, deps.followHours);
  const nowMs = deps.clock().getTime();
  if (nowMs >= untilMs) return;
  const firstMs = firstReadAtMs(submittedAtMs, untilMs);
  const created = await deps.followed.create({
    runId: run.id,
    reads: 0,
    nextReadAt: new Date(firstMs).toISOString(),
    until: new Date(untilMs).toISOString(),
  });
  if (created) await deps.queue.enqueue({ runId: run.id, read: 1 }, Math.max(0, firstMs - nowMs));
}

/**
 * One follow-up read, for a queue message. A message for a read that was made already (a duplicate, or one the
 * sweep or the wait sent ahead of it) does nothing. Returns the run as recorded, or undefined when nothing was read.
 */
export async function followUpRun(
  deps: FollowDependencies,
  message: FollowUpMessage,
): Promise<RunRecord | undefined> {
  const entry = await deps.followed.get(message.runId);
  if (entry === undefined) return undefined;
  const read = message.read ?? entry.reads + 1;
  if (read !== entry.reads + 1) return undefined;
  const run = await deps.runs.get(entry.runId);
  if (run?.status !== "Submitted") {
    await deps.followed.delete(entry.runId);
    return run;
  }
  // Recorded as ended by an earlier read whose instance stopped before the end was handled.
  if (!isUnfinished(run)) return finishFollowing(deps, run);
  const now = deps.clock();
  const nextMs = nextReadAtMs(read, now.getTime(), Date.parse(entry.until));
  const claimed = await deps.followed.claim(entry, {
    reads: read,
    // Past the limit there is no next read; should this one be cut short, the sweep finds the row due.
    nextReadAt: new Date(nextMs ?? now.getTime()).toISOString(),
  });
  if (claimed === undefined) return undefined;
  const reading = await deps.readPipelineStatus(run);
  const recorded = await recordReading(deps, run, reading, now, nextMs === undefined);
  if (!isUnfinished(recorded)) return finishFollowing(deps, recorded);
  await deps.queue.enqueue({ runId: run.id, read: read + 1 }, (nextMs ?? now.getTime()) - now.getTime());
  return recorded;
}

/**
 * The reads of one queue message, each as if it came alone and all at once. When any of them fails, the message
 * fails after all were made, and its next delivery makes only those still due (a read made already does nothing).
 */
export async function followUpReads(
  deps: FollowDependencies,
  messages: readonly FollowUpMessage[],
): Promise<void> {
  // A read asked twice in one message is made once; its claim would stop the second anyway.
  const unique = [
    ...new Map(messages.map((message) => [`${message.runId} ${message.read}`, message])).values(),
  ];
  await settleEach(unique, (message) => followUpRun(deps, message));
}

async function finishFollowing(deps: FollowDependencies, run: RunRecord): Promise<RunRecord> {
  await deps.runEnded(run);
  await deps.followed.delete(run.id);
  return run;
}

/** Records what the read said on the run; a run that was read for the last time without ending is followed no longer. */
async function recordReading(
  deps: FollowDependencies,
  run: RunRecord,
  reading: PipelineStatusReading,
  now: Date,
  lastRead: boolean,
): Promise<RunRecord> {
  const label = `run ${run.id}${run.scheduleId === null ? "" : ` (schedule ${run.scheduleId})`}`;
  let next: RunRecord = run;
  if (reading.kind === "status") {
    const ended = ENDED_PIPELINE_STATUSES.includes(reading.status);
    next = {
      ...run,
      pipelineStatus: reading.status,
      pipelineStatusDetail: reading.detail,
      pipelineStatusAt: reading.readAt,
      finishedAt: ended ? reading.readAt : null,
    };
  } else if (reading.kind === "unread") {
    deps.log(`${label}: the status of pipeline run ${run.pipelineRunId} was not read: ${reading.message}`);
  }
  if (reading.kind === "untracked") {
    deps.log(`${label}: not followed: nothing says where the status of its pipeline run can be read`);
    next = { ...next, followStoppedAt: now.toISOString() };
  } else if (lastRead && isUnfinished(next)) {
    deps.log(
      `${label}: followed no longer: pipeline run ${run.pipelineRunId} did not end within RUN_FOLLOW_HOURS (${deps.followHours} h)`,
    );
    next = { ...next, followStoppedAt: now.toISOString() };
  }
  if (sameFollowFields(next, run)) return run;
  const saved = await saveRun(deps, run, next);
  if (saved.pipelineStatus !== run.pipelineStatus || !isUnfinished(saved)) deps.log(runTransitionLine(saved));
  return saved;
}

/**
 * The follower is the only writer of a Submitted run's followed fields, but not of the run (the policies stamp
 * `endHandledAt`, another instance's worker may do so on a redelivery): on a lost race, the fields go onto the run
 * as it is now, as often as other writers keep changing it.
 */
async function saveRun(deps: FollowDependencies, read: RunRecord, next: RunRecord): Promise<RunRecord> {
  let candidate = next;
  for (let attempt = 1; ; attempt++) {
    try {
      return await deps.runs.update(candidate);
    } catch (error) {
      if (!(error instanceof PreconditionFailedError) || attempt >= SAVE_ATTEMPTS) throw error;
      const current = await deps.runs.get(read.id);
      if (current === undefined) throw error;
      candidate = { ...current, ...followFields(next) };
    }
  }
}

/** Conditional writes of a run's followed fields tried this often when other writers keep changing the run. */
const SAVE_ATTEMPTS = 10;

function followFields(run: RunRecord) {
  const { pipelineStatus, pipelineStatusDetail, pipelineStatusAt, finishedAt, followStoppedAt } = run;
  return { pipelineStatus, pipelineStatusDetail, pipelineStatusAt, finishedAt, followStoppedAt };
}

function sameFollowFields(a: RunRecord, b: RunRecord): boolean {
  return JSON.stringify(followFields(a)) === JSON.stringify(followFields(b));
}

/**
 * The sweep (in every scheduling pass): reads overdue by more than the grace period, because their message was lost
 * or the instance that took it stopped, are sent again, now. The row is stamped so that the next pass leaves it to
 * that message.
 */
export async function sweepFollowUps(
  deps: Pick<FollowDependencies, "followed" | "queue" | "log">,
  now: Date,
  graceMs = FOLLOW_UP_GRACE_MS,
): Promise<void> {
  const overdue = await deps.followed.listDue(new Date(now.getTime() - graceMs), SWEEP_LIMIT);
  await forEachConcurrently(overdue, CONCURRENCY, async (entry) => {
    const stamped = await deps.followed.claim(entry, { reads: entry.reads, nextReadAt: now.toISOString() });
    if (stamped === undefined) return;
    deps.log(`run ${entry.runId}: follow-up read ${entry.reads + 1} was overdue; sending it again`);
    await deps.queue.enqueue({ runId: entry.runId, read: entry.reads + 1 });
  });
}

/**
 * The latest instant whose ISO text has a four-digit year: the rows' `nextReadAt` are compared as text, and a later
 * one (`+275760-...`) sorts before every `2026-...`.
 */
const LAST_FOUR_DIGIT_YEAR_INSTANT = new Date("9999-12-31T23:59:59.999Z");

/**
 * Makes the next read of every followed run now, in this call: for the local host's `/dev/tick`, which moves time
 * for the pass and so reads what the follower would have read by then (CONTRACT 5).
 */
export async function followEveryRunNow(deps: FollowDependencies, limit = 1000): Promise<RunRecord[]> {
  const followed = await deps.followed.listDue(LAST_FOUR_DIGIT_YEAR_INSTANT, limit);
  const read: RunRecord[] = [];
  await forEachConcurrently(followed, CONCURRENCY, async (first) => {
    // A follow-up message taken at the same moment may claim the read first; then this one is made after it, so
    // that the pass after this call decides on what the run is now, not on what it was a read before.
    let entry: FollowedRun | undefined = first;
    for (let attempt = 0; entry !== undefined && attempt < TICK_READ_ATTEMPTS; attempt++) {
      const run = await followUpRun(deps, { runId: entry.runId, read: entry.reads + 1 });
      if (run !== undefined) {
        read.push(run);
        return;
      }
      entry = await deps.followed.get(entry.runId);
    }
  });
  return read;
}

const TICK_READ_ATTEMPTS = 3;
