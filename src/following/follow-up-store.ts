import { odata, RestError, type TableClient } from "@azure/data-tables";
import { PartitionWriteBatcher } from "../runs/partition-write-batcher.js";

/**
 * The runs being followed, one row each (table `runfollowups`, one partition): how many reads were made, when the
 * next is due and until when the run is followed. A read is claimed by a conditional write of the row, so that a
 * message delivered twice reads once; the row outlives a lost message, so that the sweep sends the read again.
 */
export interface FollowedRun {
  runId: string;
  /** Reads made (or claimed) so far. */
  reads: number;
  /** When the next read is due, ISO. */
  nextReadAt: string;
  /** Following stops at this instant (submission + RUN_FOLLOW_HOURS), ISO. */
  until: string;
  etag: string;
}

export interface FollowUpStore {
  /** Starts following; false when the run is followed already. */
  create(entry: Omit<FollowedRun, "etag">): Promise<boolean>;
  get(runId: string): Promise<FollowedRun | undefined>;
  /** Writes `changes` if the row is still as read; undefined when another caller changed or removed it first. */
  claim(
    entry: FollowedRun,
    changes: Pick<FollowedRun, "reads" | "nextReadAt">,
  ): Promise<FollowedRun | undefined>;
  /** Stops following (the run ended, or is followed no longer). */
  delete(runId: string): Promise<void>;
  /** Rows whose next read was due at or before `dueBy`, earliest first in key order, at most `limit`. */
  listDue(dueBy: Date, limit: number): Promise<FollowedRun[]>;
}

const PARTITION = "follow";

export class TableFollowUpStore implements FollowUpStore {
  /** New rows, many runs' at once in a burst of submissions (one partition: fewer round trips per run). */
  private readonly creates: PartitionWriteBatcher;

  constructor(private readonly table: TableClient) {
    this.creates = new PartitionWriteBatcher(table, PARTITION);
  }

  async ensureCreated(): Promise<void> {
    await this.table.createTable();
  }

  create(entry: Omit<FollowedRun, "etag">): Promise<boolean> {
    const { partitionKey: _partition, rowKey, ...properties } = toEntity(entry);
    return this.creates.insert(rowKey, properties);
  }

  async get(runId: string): Promise<FollowedRun | undefined> {
    try {
      return fromEntity(await this.table.getEntity<Record<string, unknown>>(PARTITION, runId));
    } catch (error) {
      if (error instanceof RestError && error.statusCode === 404) return undefined;
      throw error;
    }
  }

  async claim(
    entry: FollowedRun,
    changes: Pick<FollowedRun, "reads" | "nextReadAt">,
  ): Promise<FollowedRun | undefined> {
    const next = { ...entry, ...changes };
    try {
      const response = await this.table.updateEntity(toEntity(next), "Replace", { etag: entry.etag });
      return { ...next, etag: response.etag ?? "" };
    } catch (error) {
      if (error instanceof RestError && (error.statusCode === 412 || error.statusCode === 404))
        return undefined;
      throw error;
    }
  }

  async delete(runId: string): Promise<void> {
    try {
      await this.table.deleteEntity(PARTITION, runId);
    } catch (error) {
      if (!(error instanceof RestError && error.statusCode === 404)) throw error;
    }
  }

  async listDue(dueBy: Date, limit: number): Promise<FollowedRun[]> {
    const due: FollowedRun[] = [];
    const entities = this.table.listEntities<Record<string, unknown>>({
      queryOptions: {
        // ISO instants of years 0000-9999 have one width: text order is time order.
        filter: odata`PartitionKey eq ${PARTITION} and nextReadAt le ${dueBy.toISOString()}`,
      },
    });
    for await (const entity of entities) {
      due.push(fromEntity(entity));
      if (due.length >= limit) break;
    }
    return due;
  }
}

function toEntity(entry: Omit<FollowedRun, "etag">) {
  return {
    partitionKey: PARTITION,
    rowKey: entry.runId,
    reads: entry.reads,
    nextReadAt: entry.nextReadAt,
    until: entry.until,
  };
}

function fromEntity(entity: Record<string, unknown> & { etag?: string; rowKey?: string }): FollowedRun {
  return {
    runId: entity.rowKey ?? "",
    reads: Number(entity.reads ?? 0),
    nextReadAt: typeof entity.nextReadAt === "string" ? entity.nextReadAt : new Date(0).toISOString(),
    until: typeof entity.until === "string" ? entity.until : new Date(0).toISOString(),
    etag: entity.etag ?? "",
  };
}
