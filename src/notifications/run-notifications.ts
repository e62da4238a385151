import type { RunRecord } from "../runs/run-record.js";
import type { ScheduleRecord } from "../schedules/record.js";
import type { NotifyEvent } from "../schedules/notify-schema.js";
import type { ScheduleStore } from "../state/schedule-store.js";
import { notificationEventId, notificationPayload, runEndEvent } from "./notification-payload.js";
import type { NotificationQueue } from "./notification-queue.js";

/**
 * What the parts of the service that see runs end call (CONTRACT 8): the submission worker when a submission
 * fails, the run follower when a pipeline run ends, the overlap policy when it skips a run, the failure policy when
 * it pauses a schedule. Each only queues a message when the schedule's `notify.on` asks for the event, and never
 * throws: a notification that cannot be queued is a log line, never a change to firing.
 */
export interface RunNotifications {
  /** `run` of `schedule` ended: a notification when it ended Failed, Canceled or Skipped and `notify.on` has it. */
  onRunEnded(schedule: ScheduleRecord, run: RunRecord): Promise<void>;
  /** `pauseAfterFailures` disabled `schedule` after `run` failed: a notification when `notify.on` has Paused. */
  onSchedulePaused(schedule: ScheduleRecord, run: RunRecord): Promise<void>;
}

export interface RunNotificationDependencies {
  queue: NotificationQueue;
  clock(): Date;
  log(line: string): void;
}

export function runNotifications(deps: RunNotificationDependencies): RunNotifications {
  const notify = async (schedule: ScheduleRecord, run: RunRecord, event: NotifyEvent): Promise<void> => {
    const notifyField = schedule.definition.notify;
    if (notifyField === undefined || !notifyField.on.includes(event)) return;
    const eventId = notificationEventId(event, run.id);
    try {
      await deps.queue.enqueue({
        eventId,
        scheduleId: schedule.id,
        url: notifyField.url,
        notification: notificationPayload(event, schedule, run, deps.clock()),
      });
    } catch (error) {
      deps.log(
        `notification ${eventId} of schedule ${schedule.id} could not be queued, and is not sent: ${String(error)}`,
      );
    }
  };
  return {
    async onRunEnded(schedule, run) {
      const event = runEndEvent(run);
      if (event !== null) await notify(schedule, run, event);
    },
    onSchedulePaused: (schedule, run) => notify(schedule, run, "Paused"),
  };
}

/**
 * `onRunEnded` for a part that knows only the run (the submission worker): the run's schedule is read first. Runs
 * of the submit API have no schedule, hence no `notify`.
 */
export function notifyRunEnded(
  deps: { schedules: Pick<ScheduleStore, "get">; notifications: RunNotifications; log(line: string): void },
  run: RunRecord,
): Promise<void> {
  if (run.scheduleId === null || runEndEvent(run) === null) return Promise.resolve();
  return deps.schedules.get(run.scheduleId).then(
    (schedule) => (schedule === undefined ? undefined : deps.notifications.onRunEnded(schedule, run)),
    (error: unknown) => {
      deps.log(`run ${run.id}: its schedule could not be read to notify its end: ${String(error)}`);
    },
  );
}
