import { RestError, type TableClient, type TransactionAction } from "@azure/data-tables";
import { onNextMicrotask } from "../concurrency.js";

/**
 * Group commit for the rows of one partition: inserts, upserts and deletes that callers make at about the same time go
 * to storage together, as one entity group transaction of up to 100 operations (Azure Table service, "Performing
 * entity group transactions": one partition, at most 100 entities, each entity once). A lone write goes alone,
 * at once; writes that arrive while batches are under way wait for the next one. Each caller's promise settles
 * when its own write is stored, so "written before" still means what it says.
 *
 * A batch fails as a whole (a delete of a row that is already gone fails it with 404, an insert of a row that is
 * there with 409); it is then written row by row, where a missing row is not an error for a delete, and a present
 * one answers false for an insert.
 */
export class PartitionWriteBatcher {
  private readonly queued: QueuedWrite[] = [];
  /** Rows with a write under way: a later write of the same row waits, so that writes of one row keep their order. */
  private readonly rowsInFlight = new Set<string>();
  private batchesInFlight = 0;
  /** On the next microtask, so that the writes of one synchronous burst share a batch. */
  private readonly scheduleFlush = onNextMicrotask(() => this.flush());

  constructor(
    private readonly table: TableClient,
    private readonly partitionKey: string,
    private readonly options: { maxBatch: number; maxBatchesInFlight: number } = {
      maxBatch: MAX_TRANSACTION_OPERATIONS,
      maxBatchesInFlight: 4,
    },
  ) {}

  async upsert(rowKey: string, properties: RowProperties): Promise<void> {
    await this.enqueue({ kind: "upsert", rowKey, properties });
  }

  async delete(rowKey: string): Promise<void> {
    await this.enqueue({ kind: "delete", rowKey });
  }

  /** Creates the row; false, writing nothing, when it exists already. */
  insert(rowKey: string, properties: RowProperties): Promise<boolean> {
    return this.enqueue({ kind: "insert", rowKey, properties });
  }

  private enqueue(write: RowWrite): Promise<boolean> {
    return new Promise<boolean>((resolve, reject) => {
      this.queued.push({ write, resolve, reject });
      this.scheduleFlush();
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
        for (const entry of batch) entry.resolve(true);
        return;
      } catch {
        // Written row by row below, where each caller gets its own outcome.
      }
    }
    await Promise.all(
      batch.map(async (entry) => {
        try {
          entry.resolve(await this.writeOne(entry.write));
        } catch (error) {
          entry.reject(error);
        }
      }),
    );
  }

  private actionOf(write: RowWrite): TransactionAction {
    const keys = { partitionKey: this.partitionKey, rowKey: write.rowKey };
    switch (write.kind) {
      case "insert":
        return ["create", { ...keys, ...write.properties }];
      case "upsert":
        return ["upsert", { ...keys, ...write.properties }, "Replace"];
      case "delete":
        return ["delete", keys];
    }
  }

  /** One write alone; false for an insert of a row that exists, or a delete of one that is gone. */
  private async writeOne(write: RowWrite): Promise<boolean> {
    const keys = { partitionKey: this.partitionKey, rowKey: write.rowKey };
    try {
      if (write.kind === "insert") await this.table.createEntity({ ...keys, ...write.properties });
      else if (write.kind === "upsert")
        await this.table.upsertEntity({ ...keys, ...write.properties }, "Replace");
      else await this.table.deleteEntity(this.partitionKey, write.rowKey);
      return true;
    } catch (error) {
      const status = error instanceof RestError ? error.statusCode : undefined;
      if ((write.kind === "insert" && status === 409) || (write.kind === "delete" && status === 404))
        return false;
      throw error;
    }
  }
}

/** Azure Table service: an entity group transaction holds at most 100 operations. */
export const MAX_TRANSACTION_OPERATIONS = 100;

/** The properties of a row, beside its keys. */
export type RowProperties = Record<string, string | number>;

type RowWrite =
  | { kind: "insert" | "upsert"; rowKey: string; properties: RowProperties }
  | { kind: "delete"; rowKey: string };

interface QueuedWrite {
  write: RowWrite;
  /** true once written; false for an insert that found the row there, or a delete that found it gone. */
  resolve(written: boolean): void;
  reject(error: unknown): void;
}
