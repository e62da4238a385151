import { z } from "zod";
import { runOutcome } from "../runs/run-outcome.js";
import { runSchema, toRunResponse, type RunRecord } from "../runs/run-record.js";
import type { ScheduleRecord } from "../schedules/record.js";
import type { NotifyEvent } from "../schedules/notify-schema.js";

/** What a notification says (CONTRACT 8): the body POSTed to `notify.url`, built from the run and its schedule. */

export const NOTIFICATION_EVENTS = ["run.failed", "run.canceled", "run.skipped", "schedule.paused"] as const;
export type NotificationEventName = (typeof NOTIFICATION_EVENTS)[number];

/** The `event` of a notification for each word of `notify.on`. */
export const NOTIFICATION_EVENT_NAMES: Readonly<Record<NotifyEvent, NotificationEventName>> = {
  Failed: "run.failed",
  Canceled: "run.canceled",
  Skipped: "run.skipped",
  Paused: "schedule.paused",
};

/**
 * A run's `error` is cut to this many characters in a notification, so that a message always fits a Storage Queue
 * message (64 KiB, base64): errors the service writes are the endpoint's message, itself cut to 1,000 characters
 * (src/submit/pipeline-client.ts), and a sentence around it.
 */
export const MAX_NOTIFIED_ERROR_LENGTH = 4_000;

/** The run in a notification: the run as the API returns it, without `request` (the body sent to Azure ML). */
export const notifiedRunSchema = runSchema.omit({ request: true }).meta({ id: "NotifiedRun" });
export type NotifiedRun = z.output<typeof notifiedRunSchema>;

export const notificationSchema = z
  .object({
    event: z.enum(NOTIFICATION_EVENTS),
    at: z.iso
      .datetime()
      .meta({ description: "When the run ended, or the schedule was paused, as the service saw it." }),
    schedule: z.object({ id: z.string(), name: z.string() }),
    run: notifiedRunSchema.meta({
      description: "The run as it ended; for schedule.paused, the run whose failure paused the schedule.",
    }),
  })
  .meta({
    id: "Notification",
    description:
      "POSTed (application/json) to a schedule's notify.url, once per event, with no token or key (CONTRACT 8).",
  });
export type Notification = z.output<typeof notificationSchema>;

/**
 * The `notify.on` event a run's end is, or null when its end is not one that is notified: a run ended Failed
 * (submission failed, or its pipeline run failed), Canceled or Skipped (also a held run that a newer one
 * replaced). Runs that are still on their way (Pending, Submitted, Running, Deferred) and Finished ones give null.
 */
export function runEndEvent(run: RunRecord): Exclude<NotifyEvent, "Paused"> | null {
  const outcome = runOutcome(run);
  return outcome === "Failed" || outcome === "Canceled" || outcome === "Skipped" ? outcome : null;
}

/** The body for `event` about `run` of `schedule`, as it is at `at`. */
export function notificationPayload(
  event: NotifyEvent,
  schedule: Pick<ScheduleRecord, "id"> & { definition: { name: string } },
  run: RunRecord,
  at: Date,
): Notification {
  const { request: _request, ...notified } = toRunResponse(run);
  const error = notified.error;
  return {
    event: NOTIFICATION_EVENT_NAMES[event],
    at: at.toISOString(),
    schedule: { id: schedule.id, name: schedule.definition.name },
    run: {
      ...notified,
      error:
        error !== null && error.length > MAX_NOTIFIED_ERROR_LENGTH
          ? `${error.slice(0, MAX_NOTIFIED_ERROR_LENGTH - 1)}…`
          : error,
    },
  };
}

/**
 * The one key of an event: a run ends once, and pauses a schedule at most once, so two reports of the same event
 * (a queue delivering twice, two parts of the service seeing one end) make one notification.
 */
export function notificationEventId(event: NotifyEvent, runId: string): string {
  return `${runId}:${NOTIFICATION_EVENT_NAMES[event]}`;
}
