import type { NewRunRecord, RunRecord } from "./run-record.js";

/** How long a run may stay Pending without anyone looking before the sweep checks on it. */
export const UNSETTLED_GRACE_MS = 2 * 60_000;

/**
 * When the sweep first checks on a new run: UNSETTLED_GRACE_MS after it was created, or after its instant when it
 * was claimed ahead of it (a look-ahead claim waits in the queue until then, CONTRACT 2.4 on time).
 */
export function firstUnsettledCheckAt(run: Pick<NewRunRecord, "createdAt" | "scheduledFor">): Date {
  const createdMs = Date.parse(run.createdAt);
  const instantMs = run.scheduledFor === null ? createdMs : Date.parse(run.scheduledFor);
  return new Date(Math.max(createdMs, instantMs) + UNSETTLED_GRACE_MS);
}

export type CreateRunResult =
  | { created: true; run: RunRecord }
  /** The occurrence key was claimed before (by another pass, instance or an earlier crashed attempt). */
  | { created: false; existingRunId: string };

export interface RunPage {
  items: RunRecord[];
  continuationToken?: string;
}

/**
 * Run history. `create` with an occurrence key is the exactly-once claim of CONTRACT 2.4: the key and the run
 * are inserted together, and an insert that finds the key taken fails.
 */
export interface RunStore {
  create(run: NewRunRecord, occurrenceKey?: string): Promise<CreateRunResult>;
  get(runId: string): Promise<RunRecord | undefined>;
  /** Replaces the run if its ETag still matches; throws PreconditionFailedError otherwise. */
  update(run: RunRecord): Promise<RunRecord>;
  /** Newest first (by createdAt). */
  listForSchedule(scheduleId: string, top: number, continuationToken?: string): Promise<RunPage>;
  latestForSchedule(scheduleId: string): Promise<RunRecord | undefined>;
  /**
   * Ids of unsettled runs (Pending, or settled by a process that died before saying so) whose check is due at
   * `now`. A run is first due for a check at `firstUnsettledCheckAt`.
   */
  listUnsettled(now: Date, limit: number): Promise<string[]>;
  /** Puts off the next check of an unsettled run. */
  postponeCheck(runId: string, until: Date): Promise<void>;
  /** Takes a Submitted, Failed or Skipped run off the unsettled list. */
  markSettled(runId: string): Promise<void>;
  /** The fire lags (`fireLagMs`) among the schedule's latest `top` runs (by createdAt), newest first. */
  recentFireLags(scheduleId: string, top: number): Promise<number[]>;
}

/** When the scheduling pass last ran, for /health. */
export interface TickStore {
  recordTick(at: Date): Promise<void>;
  lastTickAt(): Promise<Date | null>;
}
