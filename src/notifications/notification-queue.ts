import type { QueueClient } from "@azure/storage-queue";
import { z } from "zod";
import { putQueueMessage, visibilityTimeoutSeconds } from "../state/queue-message.js";

/**
 * The Storage Queue of notifications (CONTRACT 8), apart from the submissions' own, so that a slow or failing
 * receiver never holds up a POST to Azure ML: one message per event, and a retry is a delayed message.
 */
export const NOTIFICATION_QUEUE_NAME = "notifications";

export const notificationMessageSchema = z.object({
  /** The event's one key (notificationEventId): a second message for it sends nothing more. */
  eventId: z.string().min(1),
  scheduleId: z.string().min(1),
  /** `notify.url` when the event happened; checked against ALLOWED_NOTIFY_HOSTS again before each POST. */
  url: z.string().min(1),
  /** The body to POST, as built when the event happened (notification-payload.ts). */
  notification: z.record(z.string(), z.unknown()),
});
export type NotificationMessage = z.output<typeof notificationMessageSchema>;

export interface NotificationQueue {
  /** Puts the message; with a delay, it becomes visible only then (a retry waiting). */
  enqueue(message: NotificationMessage, delayMs?: number): Promise<void>;
}

export class StorageNotificationQueue implements NotificationQueue {
  constructor(private readonly queue: QueueClient) {}

  async ensureCreated(): Promise<void> {
    await this.queue.createIfNotExists();
  }

  async enqueue(message: NotificationMessage, delayMs = 0): Promise<void> {
    await putQueueMessage(this.queue, message, visibilityTimeoutSeconds(delayMs));
  }
}
