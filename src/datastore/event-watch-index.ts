import { createHash } from "node:crypto";
import { odata, type TableClient } from "@azure/data-tables";

/**
 * Which events-mode schedules watch which folder (CONTRACT 2.3), so that a blob event finds the schedules of its
 * folder with one partition query, at a cost that follows the schedules watching that folder, never all schedules.
 * A row is written by the activation, after its baseline and just before the schedule write; rows are never
 * trusted alone: the event path reads the schedule and removes a row whose schedule no longer watches the folder.
 */
export interface EventWatch {
  scheduleId: string;
  datastoreName: string;
  /** As `folderPrefix` writes it: `incoming/daily/`, or `""` for the container root. */
  folder: string;
  /** When the row was written; a young row may belong to an activation whose schedule write is still under way. */
  writtenAt: string;
  /** Storage ETag of the row, so that removing it never removes one written again since. */
  etag: string;
}

export interface EventWatchIndex {
  /** Records that the schedule watches the folder; written again by every activation. */
  add(datastoreName: string, folder: string, scheduleId: string): Promise<void>;
  /** The watches of one folder of one datastore. */
  list(datastoreName: string, folder: string): Promise<EventWatch[]>;
  /** Every watch on a datastore, whatever the folder (the local host's event bridge). */
  listForDatastore(datastoreName: string): Promise<EventWatch[]>;
  /** Removes the row if it is still the one read. */
  remove(watch: EventWatch): Promise<void>;
}

/** How long a row is kept although its schedule does not (yet) watch its folder: an activation may be completing. */
export const YOUNG_WATCH_MS = 60_000;

/**
 * Table keys cannot hold `/`, `\`, `#` or `?` (Azure Table service data model), which folders do: the partition is
 * named by a digest of the datastore and the folder, which the row also holds in clear.
 */
export function watchPartitionKey(datastoreName: string, folder: string): string {
  return `w-${createHash("sha256")
    .update(JSON.stringify([datastoreName, folder]))
    .digest("hex")
    .slice(0, 40)}`;
}

export class TableEventWatchIndex implements EventWatchIndex {
  constructor(
    private readonly table: TableClient,
    private readonly clock: () => Date = () => new Date(),
  ) {}

  async ensureCreated(): Promise<void> {
    await this.table.createTable();
  }

  async add(datastoreName: string, folder: string, scheduleId: string): Promise<void> {
    await this.table.upsertEntity(
      {
        partitionKey: watchPartitionKey(datastoreName, folder),
        rowKey: scheduleId,
        datastoreName,
        folder,
        writtenAt: this.clock().toISOString(),
      },
      "Replace",
    );
  }

  async list(datastoreName: string, folder: string): Promise<EventWatch[]> {
    const partitionKey = watchPartitionKey(datastoreName, folder);
    return this.query(odata`PartitionKey eq ${partitionKey}`);
  }

  async listForDatastore(datastoreName: string): Promise<EventWatch[]> {
    return this.query(odata`datastoreName eq ${datastoreName}`);
  }

  async remove(watch: EventWatch): Promise<void> {
    try {
      await this.table.deleteEntity(watchPartitionKey(watch.datastoreName, watch.folder), watch.scheduleId, {
        etag: watch.etag,
      });
    } catch (error) {
      const status = (error as { statusCode?: unknown } | null)?.statusCode;
      // Gone already, or written again since it was read: either way there is nothing to remove.
      if (status !== 404 && status !== 412) throw error;
    }
  }

  private async query(filter: string): Promise<EventWatch[]> {
    const watches: EventWatch[] = [];
    const entities = this.table.listEntities<Record<string, unknown>>({ queryOptions: { filter } });
    for await (const entity of entities) {
      watches.push({
        scheduleId: String(entity.rowKey),
        datastoreName: String(entity.datastoreName),
        folder: String(entity.folder),
        writtenAt: String(entity.writtenAt),
        etag: entity.etag,
      });
    }
    return watches;
  }
}
