import type { ScheduleDefinition } from "./schema.js";

/** A schedule as it is kept: the user's definition plus what the service derives and tracks. */
export interface ScheduleRecord {
  /** 32 lowercase hex characters. */
  id: string;
  definition: ScheduleDefinition;
  /** ISO instants (UTC, with milliseconds). */
  createdAt: string;
  updatedAt: string;
  /**
   * The instant occurrences are counted from (CONTRACT 2.1.4): the creation, the last re-enabling, or the
   * last change of the trigger, truncated to the second.
   */
  activatedAt: string;
  /**
   * A change-based schedule's activation that saved a listing of its folder as the baseline (CONTRACT 2.3): it
   * names that baseline, and tells this activation from another in the same second. Absent otherwise.
   */
  activationId?: string;
  /**
   * Why the service disabled the schedule (CONTRACT 2.5: pauseAfterFailures; a trigger that cannot be computed),
   * shown read-only as `statusReason`. Absent otherwise; enabling removes it.
   */
  statusReason?: string;
  /**
   * A random id given each time the schedule becomes Active (created Active, enabled). Consecutive failures are
   * counted per enablement, so that enabling clears the count (CONTRACT 2.5). Absent on schedules written before.
   */
  enablementId?: string;
  /** The next instant this schedule fires, or null when it never will again (ended, disabled, change-based). */
  nextRunAt: string | null;
  /**
   * When the scheduling pass must next look at this schedule: `nextRunAt` for time-based schedules, the next
   * folder check for change-based ones; null when never (Disabled, ended). Kept in the due index.
   */
  dueAt: string | null;
  /** Storage ETag; changes on every write. */
  etag: string;
}

export type NewScheduleRecord = Omit<ScheduleRecord, "etag">;
