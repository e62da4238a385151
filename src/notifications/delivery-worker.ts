import { PreconditionFailedError, ValidationError } from "../errors.js";
import { checkNotifyUrlAllowed, type NotifyUrlPolicy } from "../schedules/notify-url.js";
import { backoffDelayMs, MAX_ATTEMPTS } from "../submit/retry-policy.js";
import type { DeliveryStore, NotificationDelivery } from "./delivery-store.js";
import type { NotificationOutcome } from "./notification-client.js";
import type { NotificationMessage, NotificationQueue } from "./notification-queue.js";

/**
 * The queue worker of notifications (CONTRACT 8): one message, at most one POST. Retries are as for submissions
 * (CONTRACT 3: 408, 429, 5xx and network errors, with backoff, jitter and Retry-After) and travel as delayed
 * messages; they stop at the first 2xx. The event's row says whether it was sent, so a message that arrives
 * twice, or two messages for one event, POST it once.
 */
export interface NotificationDeliveryDependencies {
  deliveries: DeliveryStore;
  queue: NotificationQueue;
  /** ALLOWED_NOTIFY_HOSTS, and whether loopback is allowed (the local host): checked before each POST. */
  urlPolicy: NotifyUrlPolicy;
  /** One POST of the body to the URL (`postNotification`). */
  post(url: URL, body: unknown): Promise<NotificationOutcome>;
  clock(): Date;
  /** The wait before the next attempt; `backoffDelayMs` with jitter in production. */
  retryDelayMs(attempt: number, retryAfterMs: number | null): number;
  /** POSTs before a notification is given up; MAX_ATTEMPTS (as for submissions) in production. */
  maxAttempts: number;
  log(line: string): void;
}

/** The retry settings used outside tests: those of submissions (src/submit/retry-policy.ts). */
export const PRODUCTION_NOTIFICATION_RETRIES: Pick<
  NotificationDeliveryDependencies,
  "retryDelayMs" | "maxAttempts"
> = {
  retryDelayMs: (attempt, retryAfterMs) => backoffDelayMs(attempt, retryAfterMs, Math.random),
  maxAttempts: MAX_ATTEMPTS,
};

/** How long one POST may take before it counts as a retryable failure. */
export const NOTIFICATION_TIMEOUT_MS = 30_000;
/** How long a claimed attempt keeps other deliveries of the same event away: the POST's timeout and a margin. */
export const NOTIFICATION_LEASE_MS = 2 * NOTIFICATION_TIMEOUT_MS;
/** Instances' clocks differ a little; a delayed message may arrive that much before nextAttemptAt. */
const CLOCK_TOLERANCE_MS = 1_000;

export async function deliverNotification(
  deps: NotificationDeliveryDependencies,
  message: NotificationMessage,
): Promise<NotificationDelivery | undefined> {
  const delivery = await deps.deliveries.getOrCreate(message.scheduleId, message.eventId);
  // Sent, or given up, before: this is a second message for the event.
  if (delivery.status !== "Pending") return delivery;
  const now = deps.clock();
  if (
    delivery.nextAttemptAt !== null &&
    Date.parse(delivery.nextAttemptAt) > now.getTime() + CLOCK_TOLERANCE_MS
  ) {
    // Another delivery holds the attempt, or a retry waits for its own delayed message.
    return delivery;
  }
  const url = allowedUrl(message.url, deps.urlPolicy);
  if (typeof url === "string") return settle(deps, message, delivery, "Failed", null, url);
  const claimed = await claimAttempt(deps, delivery, now);
  if (claimed === undefined) return undefined;
  const outcome = await deps.post(url, message.notification);
  if (outcome.kind === "delivered")
    return settle(deps, message, claimed, "Delivered", outcome.httpStatus, null);
  if (outcome.kind === "final") {
    return settle(deps, message, claimed, "Failed", outcome.httpStatus, outcome.message);
  }
  if (claimed.attempts >= deps.maxAttempts) {
    const error = `Gave up after ${claimed.attempts} attempts: ${outcome.message}`;
    return settle(deps, message, claimed, "Failed", outcome.httpStatus, error);
  }
  return scheduleRetry(deps, message, claimed, outcome);
}

/** Counts the attempt before the POST, so that a second delivery of the message stays away meanwhile. */
async function claimAttempt(
  deps: NotificationDeliveryDependencies,
  delivery: NotificationDelivery,
  now: Date,
): Promise<NotificationDelivery | undefined> {
  try {
    return await deps.deliveries.update({
      ...delivery,
      attempts: delivery.attempts + 1,
      nextAttemptAt: new Date(now.getTime() + NOTIFICATION_LEASE_MS).toISOString(),
    });
  } catch (error) {
    if (error instanceof PreconditionFailedError) return undefined;
    throw error;
  }
}

/** The URL if notifications may go there now, else why not (the setting may have narrowed since the event). */
function allowedUrl(text: string, policy: NotifyUrlPolicy): URL | string {
  let url: URL;
  try {
    url = new URL(text);
  } catch {
    return "notify.url is not a URL; nothing was sent";
  }
  try {
    checkNotifyUrlAllowed(url, policy);
    return url;
  } catch (error) {
    if (!(error instanceof ValidationError)) throw error;
    return `notify.url (host ${url.hostname}) ${error.issues[0]?.message ?? "is not allowed"}; nothing was sent`;
  }
}

/**
 * The retry's delayed message goes first and the row says when it is due after: if the message cannot be sent,
 * the attempt's lease is released, so that the message being handled, delivered again, makes the attempt.
 */
async function scheduleRetry(
  deps: NotificationDeliveryDependencies,
  message: NotificationMessage,
  claimed: NotificationDelivery,
  outcome: Extract<NotificationOutcome, { kind: "retryable" }>,
): Promise<NotificationDelivery> {
  const delayMs = deps.retryDelayMs(claimed.attempts, outcome.retryAfterMs);
  try {
    await deps.queue.enqueue(message, delayMs);
  } catch (error) {
    await deps.deliveries.update({ ...claimed, nextAttemptAt: null }).catch(() => undefined);
    throw error;
  }
  const waiting = await deps.deliveries.update({
    ...claimed,
    nextAttemptAt: new Date(deps.clock().getTime() + delayMs).toISOString(),
    httpStatus: outcome.httpStatus,
    error: outcome.message,
  });
  deps.log(
    `notification ${message.eventId} of schedule ${message.scheduleId}: attempt ${claimed.attempts} failed ` +
      `(${outcome.message}); retrying in ${Math.round(delayMs / 1000)} s`,
  );
  return waiting;
}

async function settle(
  deps: NotificationDeliveryDependencies,
  message: NotificationMessage,
  current: NotificationDelivery,
  status: "Delivered" | "Failed",
  httpStatus: number | null,
  error: string | null,
): Promise<NotificationDelivery> {
  const saved = await deps.deliveries.update({
    ...current,
    status,
    nextAttemptAt: null,
    httpStatus,
    error,
    settledAt: deps.clock().toISOString(),
  });
  deps.log(
    `notification ${message.eventId} of schedule ${message.scheduleId}: ${status}` +
      `${error === null ? "" : ` (${error})`} after ${saved.attempts} attempt(s)`,
  );
  return saved;
}
