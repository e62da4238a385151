import type { GetServices, Services } from "../api/services.js";
import {
  deliverNotification,
  NOTIFICATION_TIMEOUT_MS,
  PRODUCTION_NOTIFICATION_RETRIES,
  type NotificationDeliveryDependencies,
} from "../notifications/delivery-worker.js";
import { postNotification } from "../notifications/notification-client.js";
import { NOTIFICATION_QUEUE_NAME, notificationMessageSchema } from "../notifications/notification-queue.js";
import { notifyRunEnded } from "../notifications/run-notifications.js";
import type { RunRecord } from "../runs/run-record.js";
import type { QueueTriggerSpec } from "./trigger-list.js";

/** The delivery worker over the host's stores and queue, with the host rules of ALLOWED_NOTIFY_HOSTS (CONTRACT 8). */
export function notificationDeliveryDependencies(services: Services): NotificationDeliveryDependencies {
  return {
    deliveries: services.notifications.deliveries,
    queue: services.notifications.queue,
    // Loopback receivers only where loopback endpoints are allowed: the local host (CONTRACT 5, 8).
    urlPolicy: {
      allowedHosts: services.settings.ALLOWED_NOTIFY_HOSTS,
      allowLoopback: services.allowLoopbackEndpoints,
    },
    post: (url, body) =>
      postNotification({ url, body, timeoutMs: NOTIFICATION_TIMEOUT_MS, clock: services.clock }),
    clock: services.clock,
    ...PRODUCTION_NOTIFICATION_RETRIES,
    log: services.log,
  };
}

/** The queue worker that POSTs the notifications the hooks queue. */
export function notificationQueueTrigger(getServices: GetServices): QueueTriggerSpec {
  return {
    kind: "queue",
    name: "deliverNotification",
    queueName: NOTIFICATION_QUEUE_NAME,
    handler: async (message, context) => {
      const parsed = notificationMessageSchema.safeParse(message);
      if (!parsed.success) {
        // Retrying a message that is not a notification cannot succeed; drop it where someone can see it.
        context.error(`notification message ignored, not {"eventId", "scheduleId", "url", "notification"}`);
        return;
      }
      const services = await getServices();
      await deliverNotification(notificationDeliveryDependencies(services), parsed.data);
    },
  };
}

/** `SubmissionDependencies.runEnded`: a failed submission is a run that ended Failed (CONTRACT 8). */
export function runEndedNotifier(services: Services): (run: RunRecord) => Promise<void> {
  return (run) =>
    notifyRunEnded(
      { schedules: services.schedules, notifications: services.notifications.hooks, log: services.log },
      run,
    );
}
