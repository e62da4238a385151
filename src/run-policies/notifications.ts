import type { RunRecord } from "../runs/run-record.js";
import type { ScheduleRecord } from "../schedules/record.js";

/** The run endings a schedule's `notify` may ask about (CONTRACT 8): submission or pipeline run failed, canceled, skipped. */
export type NotifiedEnding = "Failed" | "Canceled" | "Skipped";

/**
 * Where the ends of runs and the pauses of schedules are told (CONTRACT 8, `notify`); the host gives the delivery.
 * Called once the service has recorded the end (or the pause), after what it changes about firing: a notification
 * never delays or changes firing, and one that throws is logged and dropped here.
 */
export interface RunNotifications {
  /** A run of the schedule (scheduled, manual or API) ended so (`ending`, else as the run says); `run` is the run as it ended. */
  onRunEnded(schedule: ScheduleRecord, run: RunRecord, ending?: NotifiedEnding): Promise<void>;
  /** `policy.pauseAfterFailures` disabled the schedule (now Disabled, with its statusReason); `run` is the failure that did. */
  onSchedulePaused(schedule: ScheduleRecord, run: RunRecord): Promise<void>;
}
