import { z } from "zod";

/**
 * A schedule's `notify` field (CONTRACT 1, 8): where the service POSTs when a run of the schedule ends in one of
 * the states of `on`, or the schedule is paused. Whether the URL's host is allowed depends on the settings
 * (`ALLOWED_NOTIFY_HOSTS`), so it is checked where the settings are known (schedule-service.ts), not here.
 */

/** What a notification may be sent for, in the words of `notify.on`. */
export const NOTIFY_EVENTS = ["Failed", "Canceled", "Skipped", "Paused"] as const;
export type NotifyEvent = (typeof NOTIFY_EVENTS)[number];

/** `notify.on` when it is omitted (CONTRACT 8). */
export const DEFAULT_NOTIFY_ON: readonly NotifyEvent[] = ["Failed"];

const notifyEvent = z.enum(NOTIFY_EVENTS, {
  // The 400 names the value as well as its place (`notify.on[1]`), so a misspelt "Cancelled" is plain to see.
  error: (issue) => `${JSON.stringify(issue.input)} is not an event; use one of ${NOTIFY_EVENTS.join(", ")}`,
});

export const notifySchema = z
  .strictObject({
    url: z
      .url({ protocol: /^https?$/, message: "must be an absolute https URL" })
      .max(2048)
      .meta({
        description:
          "Where the notification is POSTed: https, on a host that ALLOWED_NOTIFY_HOSTS allows (default " +
          "*.logic.azure.com, a Logic App's HTTP trigger). The local host also allows loopback over http.",
        example:
          "https://prod-12.westeurope.logic.azure.com/workflows/0123/triggers/notification/paths/invoke",
      }),
    on: z
      .array(notifyEvent)
      .min(1, { message: "must list at least one event; remove notify to send none" })
      .max(NOTIFY_EVENTS.length)
      .refine((events) => new Set(events).size === events.length, { message: "must not list an event twice" })
      .default([...DEFAULT_NOTIFY_ON])
      .meta({
        description:
          "The events that send a notification: a run ended Failed (submission or pipeline run), Canceled or " +
          'Skipped, or the schedule was Paused by pauseAfterFailures. Default ["Failed"].',
      }),
  })
  .meta({ id: "Notify" });
export type Notify = z.output<typeof notifySchema>;
