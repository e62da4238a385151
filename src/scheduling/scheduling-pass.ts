import { nextFolderCheckAt } from "../datastore/folder-changes.js";
import { PreconditionFailedError } from "../errors.js";
import { compileOccurrences } from "../recurrence/occurrences.js";
import { folderCheckIntervalMinutes } from "../recurrence/trigger-schema.js";
import { StepBudget, StepLimitError } from "../recurrence/step-budget.js";
import { enqueueNewRun, type RunQueue } from "../runs/run-queue.js";
import type { NewRunRecord, RunRecord } from "../runs/run-record.js";
import type { RunStore } from "../runs/run-store.js";
import type { ScheduleRecord } from "../schedules/record.js";
import type { DueEntry, ScheduleStore } from "../state/schedule-store.js";
import { forEachConcurrently } from "../concurrency.js";
import type { FireRequest } from "../submit/new-run.js";
import { visibilityDelayMs } from "../submit/fire-instant.js";
import { planDueFires } from "./due-occurrences.js";

export interface SchedulingDependencies {
  schedules: ScheduleStore;
  runs: RunStore;
  queue: RunQueue;
  /** Builds the run (request body, endpoint URL) for a schedule; pure but for the run id. */
  newRun(schedule: ScheduleRecord, fire: FireRequest, now: Date): NewRunRecord;
  /** Change-based schedules due for a folder check (CONTRACT 2.3); absent until they are supported. */
  enqueueFolderCheck?(schedule: ScheduleRecord, now: Date): Promise<void>;
  /** How many steps one schedule's occurrences may take in a pass (StepBudget); the engine's default if absent. */
  stepLimit?: number;
  /**
   * Up to when a pass at `now` claims occurrences ahead of time, so that they fire on their second
   * (look-ahead.ts: the next SCHEDULER_TICK); absent, a pass claims only what is due.
   */
  lookAheadUntil?: (now: Date) => Date;
  log(message: string): void;
  /** A run that failed before any POST ended (the overlap and failure policies, notifications). */
  runEnded?(run: RunRecord): Promise<void>;
  /** The sweep of follow-up reads that are overdue (CONTRACT 4): their messages were lost. */
  sweepFollowUps?(now: Date): Promise<void>;
  /**
   * The instance's clock. A pass of thousands of claims takes a minute, so the visibility delay of a run claimed
   * ahead counts from when its message is sent: the pass's `now` plus how far this clock has moved since the pass
   * began. Absent, from the pass's `now`.
   */
  clock?: () => Date;
}

/** The instant up to which a pass or a write at `now` claims a time-based schedule's occurrences. */
export function claimHorizon(deps: Pick<SchedulingDependencies, "lookAheadUntil">, now: Date): Date {
  const until = deps.lookAheadUntil?.(now);
  return until === undefined || until < now ? now : until;
}

/** How many due schedules one pass reads per query, and how many it works on at once. */
const DUE_PAGE = 500;
const CONCURRENCY = 16;
/** A run whose claim another pass made this recently is assumed to be enqueued by that pass. */
const RECENT_CLAIM_MS = 30_000;

export interface PassResult {
  runs: RunRecord[];
}

/**
 * One scheduling pass as of `now`: fires every due occurrence of every Active schedule (CONTRACT 2.4), and
 * re-enqueues runs a crash left unsent. Safe to run concurrently with itself on any number of instances:
 * every occurrence is claimed by an insert that storage lets succeed once.
 */
export async function runSchedulingPass(deps: SchedulingDependencies, now: Date): Promise<PassResult> {
  const runs: RunRecord[] = [];
  const seen = new Set<string>();
  const horizon = claimHorizon(deps, now);
  const elapsedMs = stopwatch(deps.clock);
  // By entry, not by schedule: an entry a crash left behind must not hide the schedule's current one.
  const entryKey = (entry: DueEntry) => `${entry.scheduleId} ${entry.dueAt}`;
  for (;;) {
    const due = (await deps.schedules.findDue(horizon, DUE_PAGE)).filter(
      (entry) => !seen.has(entryKey(entry)),
    );
    if (due.length === 0) break;
    due.forEach((entry) => seen.add(entryKey(entry)));
    await forEachConcurrently(due, CONCURRENCY, async (entry) => {
      try {
        const schedule = await deps.schedules.get(entry.scheduleId);
        if (!schedule || schedule.dueAt === null || Date.parse(schedule.dueAt) !== Date.parse(entry.dueAt)) {
          // Left behind by a crash between the store's steps; the store keeps it while a write may be under way.
          await deps.schedules.discardDueEntry(entry);
          return;
        }
        // Time-based schedules are claimed ahead up to the horizon; a folder check is due at its instant only.
        const dueBy = schedule.definition.trigger.type === "datastore" ? now : horizon;
        if (Date.parse(schedule.dueAt) > dueBy.getTime()) return;
        runs.push(...(await fireDueSchedule(deps, schedule, now, { dueEntry: entry, elapsedMs })));
      } catch (error) {
        // One schedule's failure must not hold up the others; it stays due and the next pass retries it.
        deps.log(`schedule ${entry.scheduleId}: scheduling failed, will retry next pass: ${String(error)}`);
      }
    });
  }
  await resendUnsettledRuns(deps, now);
  await deps.sweepFollowUps?.(now).catch((error: unknown) => {
    deps.log(`the sweep of follow-up reads failed, the next pass tries again: ${String(error)}`);
  });
  return { runs };
}

/**
 * Fires what is due of one schedule, claims what falls before the horizon (claimHorizon), and moves it on: `dueAt`
 * to its first unclaimed occurrence, `nextRunAt` to the next instant it fires, which may be one claimed ahead.
 * `dueEntry` is the schedule's due entry as the pass's findDue read it (spares a read when moving it on);
 * `elapsedMs`, how long the pass has been under way (stopwatch), so that a claim's delay counts from its send.
 */
export async function fireDueSchedule(
  deps: SchedulingDependencies,
  schedule: ScheduleRecord,
  now: Date,
  { dueEntry, elapsedMs = () => 0 }: { dueEntry?: DueEntry; elapsedMs?: () => number } = {},
): Promise<RunRecord[]> {
  const { trigger } = schedule.definition;
  if (schedule.definition.status !== "Active") return [];
  if (trigger.type === "datastore") {
    if (deps.enqueueFolderCheck === undefined) return [];
    await deps.enqueueFolderCheck(schedule, now);
    // In events mode this is the reconciliation, on the same clock (CONTRACT 2.3).
    const nextCheck = nextFolderCheckAt(schedule.activatedAt, folderCheckIntervalMinutes(trigger), now);
    await advanceSchedule(deps, schedule, nextCheck.getTime(), { changeBased: true, dueEntry });
    return [];
  }
  if (schedule.nextRunAt === null) return [];
  const horizonMs = claimHorizon(deps, now).getTime();
  // One schedule's computation is a bounded slice of the pass, whatever its trigger (StepBudget).
  const occurrences = compileOccurrences(
    trigger,
    new Date(schedule.activatedAt),
    new StepBudget(deps.stepLimit),
  );
  let fires: ReturnType<typeof planDueFires>;
  let dueMs: number | undefined;
  try {
    // dueAt is the first occurrence not claimed yet (nextRunAt may be one claimed ahead, still to fire).
    fires = planDueFires(
      occurrences,
      Date.parse(schedule.dueAt ?? schedule.nextRunAt),
      now.getTime(),
      schedule.definition.policy,
      horizonMs,
    );
    dueMs = occurrences.nextAfter(horizonMs);
  } catch (error) {
    if (!(error instanceof StepLimitError)) throw error;
    return disableUncomputableSchedule(deps, schedule, error, now);
  }
  const created: RunRecord[] = [];
  for (const fire of fires) {
    const run = await claimOccurrence(
      deps,
      schedule,
      { scheduledFor: new Date(fire.scheduledFor), reason: fire.reason },
      now,
      elapsedMs,
    );
    if (run) created.push(run);
  }
  const claimedAhead = fires.find((fire) => fire.scheduledFor > now.getTime());
  await advanceSchedule(deps, schedule, dueMs, {
    nextRunMs: claimedAhead?.scheduledFor ?? dueMs,
    dueEntry,
  });
  return created;
}

/**
 * A schedule whose occurrences cannot be computed within the bound would spend it again in every pass: its due
 * occurrence becomes a Failed run that says why (nothing is sent), and the schedule is disabled, as
 * pauseAfterFailures does, until someone changes its trigger and enables it again.
 */
async function disableUncomputableSchedule(
  deps: SchedulingDependencies,
  schedule: ScheduleRecord,
  error: StepLimitError,
  now: Date,
): Promise<RunRecord[]> {
  const scheduledFor = new Date(schedule.dueAt ?? schedule.nextRunAt ?? now.toISOString());
  const reason = `Not submitted: ${error.message}. The schedule was disabled; change its trigger and enable it again.`;
  const statusReason = `Disabled: ${error.message}. Change its trigger and enable it again.`;
  deps.log(
    `schedule ${schedule.id} (${schedule.definition.name}): ${error.message}; disabled it, with a Failed run for ${scheduledFor.toISOString()}`,
  );
  const failedRun: NewRunRecord = {
    ...deps.newRun(schedule, { scheduledFor, reason: "recurrence" }, now),
    status: "Failed",
    error: reason,
  };
  const result = await deps.runs.create(failedRun, scheduledFor.toISOString());
  if (result.created) await enqueueNewRun(deps, result.run);
  try {
    await deps.schedules.replace(
      schedule,
      {
        ...withoutEtag(schedule),
        definition: { ...schedule.definition, status: "Disabled" },
        updatedAt: now.toISOString(),
        nextRunAt: null,
        dueAt: null,
        statusReason,
      },
      schedule.etag,
    );
  } catch (replaceError) {
    // A user changed it meanwhile, and so recomputed its timing: the change wins.
    if (!(replaceError instanceof PreconditionFailedError)) throw replaceError;
  }
  return result.created ? [result.run] : [];
}

/**
 * Claims one occurrence and enqueues its run, delayed to just before its instant when it is claimed ahead (counted
 * from the send: `now` plus the pass's elapsed time). When another pass claimed it first, the run is re-enqueued
 * only if that claim is old enough to be a crash between claim and enqueue (the worker ignores a duplicate).
 */
async function claimOccurrence(
  deps: SchedulingDependencies,
  schedule: ScheduleRecord,
  fire: FireRequest & { scheduledFor: Date },
  now: Date,
  elapsedMs: () => number,
): Promise<RunRecord | undefined> {
  const result = await deps.runs.create(deps.newRun(schedule, fire, now), fire.scheduledFor.toISOString());
  const delayMs = visibilityDelayMs(fire.scheduledFor.getTime(), now.getTime() + elapsedMs());
  if (result.created) {
    await enqueueNewRun(deps, result.run, delayMs);
    return result.run;
  }
  const existing = await deps.runs.get(result.existingRunId);
  if (existing?.status === "Pending" && Date.parse(existing.createdAt) <= now.getTime() - RECENT_CLAIM_MS) {
    deps.log(
      `schedule ${schedule.id}: re-enqueueing run ${existing.id} for ${fire.scheduledFor.toISOString()}`,
    );
    await deps.queue.enqueue(existing.id, delayMs);
  }
  return undefined;
}

async function advanceSchedule(
  deps: SchedulingDependencies,
  schedule: ScheduleRecord,
  dueMs: number | undefined,
  {
    changeBased = false,
    nextRunMs = dueMs,
    dueEntry,
  }: { changeBased?: boolean; nextRunMs?: number | undefined; dueEntry?: DueEntry | undefined } = {},
): Promise<void> {
  const iso = (ms: number | undefined) => (ms === undefined ? null : new Date(ms).toISOString());
  try {
    // A change-based schedule is due for its next folder check but has no next run instant (CONTRACT 1).
    await deps.schedules.replace(
      schedule,
      { ...withoutEtag(schedule), nextRunAt: changeBased ? null : iso(nextRunMs), dueAt: iso(dueMs) },
      schedule.etag,
      dueEntry,
    );
  } catch (error) {
    // Another pass advanced it, or a user changed it (and so recomputed nextRunAt): either way it is handled.
    if (!(error instanceof PreconditionFailedError)) throw error;
  }
}

/** Runs that stayed Pending past their grace period without a retry waiting: enqueue them again. */
export async function resendUnsettledRuns(
  deps: Pick<SchedulingDependencies, "runs" | "queue" | "log">,
  now: Date,
): Promise<void> {
  const ids = await deps.runs.listUnsettled(now, 100);
  await forEachConcurrently(ids, CONCURRENCY, async (runId) => {
    const run = await deps.runs.get(runId);
    if (!run || run.status !== "Pending") {
      await deps.runs.markSettled(runId);
      return;
    }
    const waitingUntil = run.nextAttemptAt === null ? 0 : Date.parse(run.nextAttemptAt);
    if (waitingUntil <= now.getTime()) {
      deps.log(`run ${runId}: still Pending after its grace period, enqueueing it again`);
      await deps.queue.enqueue(runId);
    }
    await deps.runs.postponeCheck(runId, new Date(Math.max(waitingUntil, now.getTime()) + 2 * 60_000));
  });
}

/** How far `clock` has moved since this call (never backwards): 0 throughout without a clock. */
function stopwatch(clock: (() => Date) | undefined): () => number {
  if (clock === undefined) return () => 0;
  const startMs = clock().getTime();
  return () => Math.max(0, clock().getTime() - startMs);
}

function withoutEtag(record: ScheduleRecord): Omit<ScheduleRecord, "etag"> {
  const { etag: _etag, ...rest } = record;
  return rest;
}
