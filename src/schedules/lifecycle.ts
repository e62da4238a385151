import { firstOccurrence, nextOccurrences } from "../recurrence/occurrences.js";
import { folderCheckIntervalMinutes } from "../recurrence/trigger-schema.js";
import { jsonEqual } from "./merge-patch.js";
import type { ScheduleRecord } from "./record.js";
import type { ScheduleDefinition } from "./schema.js";

/** What the service derives from a definition when it is written: when it counts from and when it is due. */
export interface ScheduleTiming {
  activatedAt: string;
  nextRunAt: string | null;
  dueAt: string | null;
}

/** "Created" is the instant truncated to the second (CONTRACT 2.1.4). */
export function truncateToSecond(now: Date): Date {
  return new Date(Math.floor(now.getTime() / 1000) * 1000);
}

/** A new schedule counts from now; an Active one is due at its first occurrence, or at its first folder check. */
export function timingOnCreate(definition: ScheduleDefinition, now: Date): ScheduleTiming {
  return activatedTiming(definition, truncateToSecond(now));
}

/**
 * The timing after a write that replaces `current.definition` with `next` (PATCH, enable, disable).
 * Re-enabling counts from now as creation does, and may run immediately (CONTRACT 2.1.1). A changed trigger on a
 * schedule that stays Active counts from now too, but its next run is the first occurrence strictly after now:
 * an update never runs immediately. Anything else keeps the timing as it was.
 */
export function timingOnUpdate(current: ScheduleRecord, next: ScheduleDefinition, now: Date): ScheduleTiming {
  const triggerChanged = !jsonEqual(current.definition.trigger, next.trigger);
  const reEnabled = current.definition.status === "Disabled" && next.status === "Active";
  const activatedAt = activatesSchedule(current, next)
    ? truncateToSecond(now)
    : new Date(current.activatedAt);
  if (next.status === "Disabled") {
    return { activatedAt: activatedAt.toISOString(), nextRunAt: null, dueAt: null };
  }
  if (reEnabled) return activatedTiming(next, activatedAt);
  if (!triggerChanged) {
    return { activatedAt: current.activatedAt, nextRunAt: current.nextRunAt, dueAt: current.dueAt };
  }
  if (next.trigger.type === "datastore") return activatedTiming(next, activatedAt);
  const [nextRun] = nextOccurrences(next.trigger, activatedAt, now, 1);
  const nextRunAt = nextRun === undefined ? null : nextRun.toISOString();
  return { activatedAt: activatedAt.toISOString(), nextRunAt, dueAt: nextRunAt };
}

/** Whether writing `next` over `current` is an activation: a re-enabling or a change of the trigger. */
export function activatesSchedule(current: ScheduleRecord, next: ScheduleDefinition): boolean {
  const reEnabled = current.definition.status === "Disabled" && next.status === "Active";
  return reEnabled || !jsonEqual(current.definition.trigger, next.trigger);
}

function activatedTiming(definition: ScheduleDefinition, activatedAt: Date): ScheduleTiming {
  const activated = activatedAt.toISOString();
  if (definition.status === "Disabled") return { activatedAt: activated, nextRunAt: null, dueAt: null };
  const trigger = definition.trigger;
  if (trigger.type === "datastore") {
    // The first folder check is one polling (or reconciliation) interval after creation or re-enabling (CONTRACT 2.3).
    const firstCheck = new Date(activatedAt.getTime() + folderCheckIntervalMinutes(trigger) * 60_000);
    return { activatedAt: activated, nextRunAt: null, dueAt: firstCheck.toISOString() };
  }
  const first = firstOccurrence(trigger, activatedAt);
  const nextRunAt = first === null ? null : first.toISOString();
  return { activatedAt: activated, nextRunAt, dueAt: nextRunAt };
}
