import { describeTrigger } from "../recurrence/describe-trigger.js";
import type { LastRun } from "../runs/run-record.js";
import type { ScheduleRecord } from "../schedules/record.js";
import type { Schedule } from "./api-schemas.js";

/** A schedule as the API returns it (the `Schedule` schema). */
export function scheduleResource(record: ScheduleRecord, lastRun: LastRun | null = null): Schedule {
  return {
    id: record.id,
    ...record.definition,
    triggerDescription: describeTrigger(record.definition.trigger),
    createdAt: record.createdAt,
    updatedAt: record.updatedAt,
    nextRunAt: record.nextRunAt,
    etag: record.etag,
    ...(record.statusReason === undefined ? {} : { statusReason: record.statusReason }),
    lastRun,
  };
}
