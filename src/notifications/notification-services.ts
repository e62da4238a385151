import type { DeliveryStore } from "./delivery-store.js";
import type { NotificationQueue } from "./notification-queue.js";
import type { RunNotifications } from "./run-notifications.js";

/** The notifications of CONTRACT 8 as the host builds them once (src/host/create-services.ts). */
export interface NotificationServices {
  /** The queue of deliveries, one message per event. */
  queue: NotificationQueue;
  /** Where each event's delivery stands, so that it is POSTed once. */
  deliveries: DeliveryStore;
  /** What the parts that see runs end call. */
  hooks: RunNotifications;
}
