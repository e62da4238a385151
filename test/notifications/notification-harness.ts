import { TableClient } from "@azure/data-tables";
import { QueueClient } from "@azure/storage-queue";
import { TableDeliveryStore } from "../../src/notifications/delivery-store.js";
import {
  deliverNotification,
  type NotificationDeliveryDependencies,
} from "../../src/notifications/delivery-worker.js";
import { postNotification } from "../../src/notifications/notification-client.js";
import {
  notificationMessageSchema,
  StorageNotificationQueue,
  type NotificationMessage,
  type NotificationQueue,
} from "../../src/notifications/notification-queue.js";
import {
  notifyRunEnded,
  runNotifications,
  type RunNotifications,
} from "../../src/notifications/run-notifications.js";
import { decodeQueueMessage } from "../../src/state/queue-message.js";
import { createFiringStack, type FiringStack } from "../support/firing-stack.js";
import { testStorageConnectionString, uniqueStoragePrefix } from "../support/storage.js";

/** The firing stack with notifications: a real notification queue and delivery table on the test Azurite. */
export interface NotificationStack extends FiringStack {
  notificationQueue: QueueClient;
  deliveries: TableDeliveryStore;
  hooks: RunNotifications;
  delivery: NotificationDeliveryDependencies;
  /** The Retry-After (ms) the worker passed to the backoff of each retry. */
  retryAfters: (number | null)[];
  /** Hands every visible notification message to the worker until none is left; returns how many were handled. */
  drainNotifications(): Promise<number>;
  /** The notification messages waiting (visible ones), decoded, without taking them. */
  peekNotifications(): Promise<NotificationMessage[]>;
}

export interface NotificationStackOptions {
  allowedHosts?: string[];
  allowLoopback?: boolean;
  maxAttempts?: number;
  /** Replaces the notification queue the hooks write to (the outage of one test). */
  hookQueue?: NotificationQueue;
}

export async function createNotificationStack(
  options: NotificationStackOptions = {},
): Promise<NotificationStack> {
  const stack = await createFiringStack();
  const prefix = uniqueStoragePrefix();
  const connectionString = testStorageConnectionString();
  const notificationQueue = new QueueClient(connectionString, `${prefix}-notifications`);
  const queue = new StorageNotificationQueue(notificationQueue);
  const deliveries = new TableDeliveryStore(
    TableClient.fromConnectionString(connectionString, `${prefix}notifications`, {
      allowInsecureConnection: true,
    }),
  );
  await Promise.all([queue.ensureCreated(), deliveries.ensureCreated()]);
  const log = (line: string) => void stack.logs.push(line);
  const hooks = runNotifications({ queue: options.hookQueue ?? queue, clock: () => new Date(), log });
  stack.submission.runEnded = (run) =>
    notifyRunEnded({ schedules: stack.schedules, notifications: hooks, log }, run);
  const retryAfters: (number | null)[] = [];
  const delivery: NotificationDeliveryDependencies = {
    deliveries,
    queue,
    urlPolicy: {
      allowedHosts: options.allowedHosts ?? ["*.logic.azure.com"],
      allowLoopback: options.allowLoopback ?? true,
    },
    post: (url, body) => postNotification({ url, body, timeoutMs: 2_000, clock: () => new Date() }),
    clock: () => new Date(),
    // No wait: a retry's message is visible at once, so the test need not sleep; what was asked is recorded.
    retryDelayMs: (_attempt, retryAfterMs) => {
      retryAfters.push(retryAfterMs);
      return 0;
    },
    maxAttempts: options.maxAttempts ?? 8,
    log,
  };
  return {
    ...stack,
    notificationQueue,
    deliveries,
    hooks,
    delivery,
    retryAfters,
    async drainNotifications() {
      let handled = 0;
      for (;;) {
        const { receivedMessageItems } = await notificationQueue.receiveMessages({
          numberOfMessages: 32,
          visibilityTimeout: 60,
        });
        if (receivedMessageItems.length === 0) return handled;
        await Promise.all(
          receivedMessageItems.map(async (message) => {
            const parsed = notificationMessageSchema.parse(decodeQueueMessage(message.messageText));
            await deliverNotification(delivery, parsed);
            await notificationQueue.deleteMessage(message.messageId, message.popReceipt);
            handled++;
          }),
        );
      }
    },
    async peekNotifications() {
      const { peekedMessageItems } = await notificationQueue.peekMessages({ numberOfMessages: 32 });
      return peekedMessageItems.map((item) =>
        notificationMessageSchema.parse(decodeQueueMessage(item.messageText)),
      );
    },
  };
}
