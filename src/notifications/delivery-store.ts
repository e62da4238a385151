import { RestError, type TableClient } from "@azure/data-tables";
import { PreconditionFailedError } from "../errors.js";

/**
 * How each notification's delivery stands: one row per event (partition: the schedule, row: the event's id), so
 * that however often its message arrives, the event is POSTed until the first 2xx and never after (CONTRACT 8).
 */

export const DELIVERY_STATUSES = ["Pending", "Delivered", "Failed"] as const;
export type DeliveryStatus = (typeof DELIVERY_STATUSES)[number];

export interface NotificationDelivery {
  scheduleId: string;
  eventId: string;
  status: DeliveryStatus;
  /** POSTs made so far. */
  attempts: number;
  /** While an attempt runs (its lease) or a retry waits: before this, no other delivery may POST. */
  nextAttemptAt: string | null;
  httpStatus: number | null;
  error: string | null;
  /** When it was Delivered, or given up. */
  settledAt: string | null;
  etag: string;
}

export interface DeliveryStore {
  /** The event's row, created Pending (no attempt) when it has none. */
  getOrCreate(scheduleId: string, eventId: string): Promise<NotificationDelivery>;
  /** Replaces the row if its ETag still matches; throws PreconditionFailedError otherwise. */
  update(delivery: NotificationDelivery): Promise<NotificationDelivery>;
}

/** A string property holds at most 32K UTF-16 code units (Azure Table service data model). */
const MAX_ERROR_LENGTH = 4_000;

export class TableDeliveryStore implements DeliveryStore {
  constructor(private readonly table: TableClient) {}

  async ensureCreated(): Promise<void> {
    await this.table.createTable();
  }

  async getOrCreate(scheduleId: string, eventId: string): Promise<NotificationDelivery> {
    const existing = await this.get(scheduleId, eventId);
    if (existing !== undefined) return existing;
    try {
      const response = await this.table.createEntity({
        partitionKey: scheduleId,
        rowKey: eventId,
        status: "Pending",
        attempts: 0,
      });
      return {
        scheduleId,
        eventId,
        status: "Pending",
        attempts: 0,
        nextAttemptAt: null,
        httpStatus: null,
        error: null,
        settledAt: null,
        etag: response.etag ?? "",
      };
    } catch (error) {
      // Another delivery of the same event created it first: take that one.
      if (!(error instanceof RestError && error.statusCode === 409)) throw error;
      const created = await this.get(scheduleId, eventId);
      if (created === undefined)
        throw new Error(`Notification ${eventId} vanished right after it was created`);
      return created;
    }
  }

  async update(delivery: NotificationDelivery): Promise<NotificationDelivery> {
    const entity: Record<string, unknown> & { partitionKey: string; rowKey: string } = {
      partitionKey: delivery.scheduleId,
      rowKey: delivery.eventId,
      status: delivery.status,
      attempts: delivery.attempts,
      nextAttemptAt: delivery.nextAttemptAt,
      httpStatus: delivery.httpStatus,
      error: delivery.error === null ? null : delivery.error.slice(0, MAX_ERROR_LENGTH),
      settledAt: delivery.settledAt,
    };
    // Table storage drops null properties; keep the columns absent rather than failing on them.
    for (const [key, value] of Object.entries(entity)) if (value === null) delete entity[key];
    try {
      const response = await this.table.updateEntity(entity, "Replace", { etag: delivery.etag });
      return { ...delivery, etag: response.etag ?? delivery.etag };
    } catch (error) {
      if (error instanceof RestError && error.statusCode === 412) {
        throw new PreconditionFailedError(`Notification ${delivery.eventId} was changed by someone else`);
      }
      throw error;
    }
  }

  private async get(scheduleId: string, eventId: string): Promise<NotificationDelivery | undefined> {
    try {
      const entity = await this.table.getEntity<Record<string, unknown>>(scheduleId, eventId);
      const text = (key: string): string | null => (typeof entity[key] === "string" ? entity[key] : null);
      return {
        scheduleId,
        eventId,
        status: (text("status") ?? "Pending") as DeliveryStatus,
        attempts: Number(entity.attempts ?? 0),
        nextAttemptAt: text("nextAttemptAt"),
        httpStatus: typeof entity.httpStatus === "number" ? entity.httpStatus : null,
        error: text("error"),
        settledAt: text("settledAt"),
        etag: entity.etag ?? "",
      };
    } catch (error) {
      if (error instanceof RestError && error.statusCode === 404) return undefined;
      throw error;
    }
  }
}
