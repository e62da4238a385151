import { RestError, type TableClient, type TransactionAction } from "@azure/data-tables";

/**
 * Group commit for the rows of one partition: upserts and deletes that callers make at about the same time go
 * to storage together, as one entity group transaction of up to 100 operations (Azure Table service, "Performing
 * entity group transactions": one partition, at most 100 entities, each entity once). A lone write goes alone,
 * at once; writes that arrive while batches are under way wait for the next one. Each caller's promise settles
 * when its own write is stored, so "written before" still means what it says.
 *
 * A batch fails as a whole (a delete of a row that is already gone fails it with 404); it is then written row
 * by row, where a missing row is not an error for a delete.
 */
export class PartitionWriteBatcher {
  private readonly queued: QueuedWrite[] = [];
  /** Rows with a write under way: a later write of the same row waits, so that writes of one row keep their order. */
  private readonly rowsInFlight = new Set<string>();
  private batchesInFlight = 0;
  private flushScheduled = false;

  constructor(
    private readonly table: TableClient,
    private readonly partitionKey: string,
    private readonly options: { maxBatch: number; maxBatchesInFlight: number } = {
      maxBatch: MAX_TRANSACTION_OPERATIONS,
      maxBatchesInFlight: 4,
    },
  ) {}

  upsert(rowKey: string, properties: Record<string, string>): Promise<void> {
    return this.enqueue({ kind: "upsert", rowKey, properties });
  }

  delete(rowKey: string): Promise<void> {
    return this.enqueue({ kind: "delete", rowKey });
  }

  private enqueue(write: RowWrite): Promise<void> {
    return new Promise<void>((resolve, reject) => {
      this.queued.push({ write, resolve, reject });
      this.scheduleFlush();
    });
  }

  /** On the next microtask, so that the writes of one synchronous burst share a batch. */
  private scheduleFlush(): void {
    if (this.flushScheduled) return;
    this.flushScheduled = true;
    queueMicrotask(() => {
      this.flushScheduled = false;
      this.flush();
    });
  }

  private flush(): void {
    while (this.batchesInFlight < this.options.maxBatchesInFlight) {
      const batch = this.takeBatch();
      if (batch.length === 0) return;
      this.batchesInFlight++;
      void this.write(batch).finally(() => {
        this.batchesInFlight--;
        for (const entry of batch) this.rowsInFlight.delete(entry.write.rowKey);
        if (this.queued.length > 0) this.flush();
      });
    }
  }

  /** The oldest queued writes, at most one per row and none for a row with a write under way. */
  private takeBatch(): QueuedWrite[] {
    const batch: QueuedWrite[] = [];
    const rows = new Set<string>();
    for (let index = 0; index < this.queued.length && batch.length < this.options.maxBatch;) {
      const entry = this.queued[index] as QueuedWrite;
      const row = entry.write.rowKey;
      if (this.rowsInFlight.has(row) || rows.has(row)) {
        // An earlier write of this row goes first; this one, and any after it, wait.
        rows.add(row);
        index++;
        continue;
      }
      rows.add(row);
      this.rowsInFlight.add(row);
      batch.push(entry);
      this.queued.splice(index, 1);
    }
    return batch;
  }

  private async write(batch: QueuedWrite[]): Promise<void> {
    if (batch.length > 1) {
      try {
        await this.table.submitTransaction(batch.map((entry) => this.actionOf(entry.write)));
        for (const entry of batch) entry.resolve();
        return;
      } catch {
        // Written row by row below, where each caller gets its own outcome.
      }
    }
    await Promise.all(
      batch.map(async (entry) => {
        try {
          await this.writeOne(entry.write);
          entry.resolve();
        } catch (error) {
          entry.reject(error);
        }
      }),
    );
  }

  private actionOf(write: RowWrite): TransactionAction {
    const keys = { partitionKey: this.partitionKey, rowKey: write.rowKey };
    return write.kind === "upsert"
      ? ["upsert", { ...keys, ...write.properties }, "Replace"]
      : ["delete", keys];
  }

  private async writeOne(write: RowWrite): Promise<void> {
    if (write.kind === "upsert") {
      await this.table.upsertEntity(
        { partitionKey: this.partitionKey, rowKey: write.rowKey, ...write.properties },
        "Replace",
      );
      return;
    }
    try {
      await this.table.deleteEntity(this.partitionKey, write.rowKey);
    } catch (error) {
      if (!(error instanceof RestError && error.statusCode === 404)) throw error;
    }
  }
}

/** Azure Table service: an entity group transaction holds at most 100 operations. */
export const MAX_TRANSACTION_OPERATIONS = 100;

type RowWrite =
  { kind: "upsert"; rowKey: string; properties: Record<string, string> } | { kind: "delete"; rowKey: string };

interface QueuedWrite {
  write: RowWrite;
  resolve(): void;
  reject(error: unknown): void;
}
