import { odata, type TableClient, type TableEntity } from "@azure/data-tables";
import { FINGERPRINT_LENGTH, type FolderCursor } from "./folder-changes.js";

export interface StoredCursor {
  cursor: FolderCursor;
  /** Storage ETag of the cursor row, for the conditional save. */
  etag: string;
}

/**
 * One cursor per change-based schedule. Saves are conditional, so of two concurrent checks one saves. Beside it,
 * the baseline of each activation that listed the folder (CONTRACT 2.3): saved before the schedule names the
 * activation, taken up by the activation's first check, then removed.
 */
export interface FolderCursorStore {
  get(scheduleId: string): Promise<StoredCursor | undefined>;
  /**
   * Writes `cursor` when the stored row is still the one read (`expectedEtag`; undefined: no row yet). Answers
   * the new ETag, or undefined when another check saved first.
   */
  save(
    scheduleId: string,
    cursor: FolderCursor,
    expectedEtag: string | undefined,
  ): Promise<string | undefined>;
  /** The baseline an activation saved, if it is still kept. */
  getBaseline(scheduleId: string, activationId: string): Promise<FolderCursor | undefined>;
  /** Saves the baseline of `cursor.activationId`; throws CursorCapacityError when it is too large for a row. */
  saveBaseline(scheduleId: string, cursor: FolderCursor & { activationId: string }): Promise<void>;
  deleteBaseline(scheduleId: string, activationId: string): Promise<void>;
  /**
   * Removes the baselines of the schedule's other activations. In events mode the current activation's baseline is
   * kept for as long as the activation lasts: events about what it listed may come a day late (Event Grid retries).
   */
  deleteOtherBaselines(scheduleId: string, activationId: string): Promise<void>;
  /** Removes the cursor and every baseline of the schedule. */
  delete(scheduleId: string): Promise<void>;
}

/** A string property holds at most 32K UTF-16 code units and an entity at most 1 MiB (Azure Table data model). */
const FINGERPRINTS_PER_PROPERTY = 2_000;
const MAX_SEEN_PROPERTIES = 15;
export const MAX_SEEN_FINGERPRINTS = FINGERPRINTS_PER_PROPERTY * MAX_SEEN_PROPERTIES;

const CURSOR_ROW = "cursor";
/** Each activation's baseline has its own row, so that an activation whose schedule write failed overwrites none. */
const baselineRow = (activationId: string) => `baseline-${activationId}`;

type CursorEntity = TableEntity<Record<string, unknown>>;

/** Thrown when more blobs changed above the watermark than one cursor row holds; the next check catches up. */
export class CursorCapacityError extends Error {
  override name = "CursorCapacityError";
}

/** Cursors in one table: partition = schedule id, one row whose fingerprints are packed into string columns. */
export class TableFolderCursorStore implements FolderCursorStore {
  constructor(private readonly table: TableClient) {}

  async ensureCreated(): Promise<void> {
    await this.table.createTable();
  }

  async get(scheduleId: string): Promise<StoredCursor | undefined> {
    try {
      const entity = await this.table.getEntity<Record<string, unknown>>(scheduleId, CURSOR_ROW);
      return { cursor: cursorFromEntity(entity), etag: entity.etag };
    } catch (error) {
      if (statusOf(error) === 404) return undefined;
      throw error;
    }
  }

  async save(
    scheduleId: string,
    cursor: FolderCursor,
    expectedEtag: string | undefined,
  ): Promise<string | undefined> {
    const entity = cursorToEntity(scheduleId, cursor);
    try {
      const response =
        expectedEtag === undefined
          ? await this.table.createEntity(entity)
          : await this.table.updateEntity(entity, "Replace", { etag: expectedEtag });
      if (response.etag === undefined) throw new Error(`No ETag after saving the cursor of ${scheduleId}`);
      return response.etag;
    } catch (error) {
      const status = statusOf(error);
      if (status === 409 || status === 412 || (status === 404 && expectedEtag !== undefined))
        return undefined;
      throw error;
    }
  }

  async getBaseline(scheduleId: string, activationId: string): Promise<FolderCursor | undefined> {
    try {
      const entity = await this.table.getEntity<Record<string, unknown>>(
        scheduleId,
        baselineRow(activationId),
      );
      return cursorFromEntity(entity);
    } catch (error) {
      if (statusOf(error) === 404) return undefined;
      throw error;
    }
  }

  async saveBaseline(scheduleId: string, cursor: FolderCursor & { activationId: string }): Promise<void> {
    await this.table.upsertEntity(
      cursorToEntity(scheduleId, cursor, baselineRow(cursor.activationId)),
      "Replace",
    );
  }

  async deleteBaseline(scheduleId: string, activationId: string): Promise<void> {
    await this.deleteRow(scheduleId, baselineRow(activationId));
  }

  async delete(scheduleId: string): Promise<void> {
    for (const rowKey of await this.rowKeys(scheduleId)) await this.deleteRow(scheduleId, rowKey);
  }

  async deleteOtherBaselines(scheduleId: string, activationId: string): Promise<void> {
    const kept = baselineRow(activationId);
    for (const rowKey of await this.rowKeys(scheduleId)) {
      if (rowKey.startsWith("baseline-") && rowKey !== kept) await this.deleteRow(scheduleId, rowKey);
    }
  }

  /** A schedule's partition holds its cursor and a baseline per kept activation: a few rows. */
  private async rowKeys(scheduleId: string): Promise<string[]> {
    const keys: string[] = [];
    const rows = this.table.listEntities({
      queryOptions: { filter: odata`PartitionKey eq ${scheduleId}`, select: ["RowKey"] },
    });
    for await (const row of rows) keys.push(String(row.rowKey));
    return keys;
  }

  private async deleteRow(scheduleId: string, rowKey: string): Promise<void> {
    try {
      await this.table.deleteEntity(scheduleId, rowKey);
    } catch (error) {
      if (statusOf(error) !== 404) throw error;
    }
  }
}

export function cursorToEntity(
  scheduleId: string,
  cursor: FolderCursor,
  rowKey: string = CURSOR_ROW,
): CursorEntity {
  if (cursor.seen.length > MAX_SEEN_FINGERPRINTS) {
    throw new CursorCapacityError(
      `${cursor.seen.length} blobs changed within the watermark margin; a cursor holds ${MAX_SEEN_FINGERPRINTS}`,
    );
  }
  const entity: CursorEntity = {
    partitionKey: scheduleId,
    rowKey,
    activatedAt: cursor.activatedAt,
    watermarkMs: String(cursor.watermarkMs),
    version: cursor.version,
    seenCount: cursor.seen.length,
  };
  if (cursor.activationId !== undefined) entity.activationId = cursor.activationId;
  if (cursor.pendingCheckRunKey !== null) entity.pendingCheckRunKey = cursor.pendingCheckRunKey;
  for (let index = 0; index * FINGERPRINTS_PER_PROPERTY < cursor.seen.length; index++) {
    const start = index * FINGERPRINTS_PER_PROPERTY;
    entity[`seen${index}`] = cursor.seen.slice(start, start + FINGERPRINTS_PER_PROPERTY).join("");
  }
  return entity;
}

export function cursorFromEntity(entity: Record<string, unknown>): FolderCursor {
  const seenCount = Number(entity.seenCount ?? 0);
  let packed = "";
  for (let index = 0; index * FINGERPRINTS_PER_PROPERTY < seenCount; index++) {
    const part = entity[`seen${index}`];
    packed += typeof part === "string" ? part : "";
  }
  const seen: string[] = [];
  for (let offset = 0; offset < packed.length; offset += FINGERPRINT_LENGTH) {
    seen.push(packed.slice(offset, offset + FINGERPRINT_LENGTH));
  }
  if (seen.length !== seenCount) {
    throw new Error(
      `The cursor of ${String(entity.partitionKey)} holds ${seen.length} of ${seenCount} fingerprints`,
    );
  }
  const pending = entity.pendingCheckRunKey;
  const activationId = entity.activationId;
  return {
    activatedAt: String(entity.activatedAt),
    ...(typeof activationId === "string" ? { activationId } : {}),
    // Stored as text: an Int64 column would come back as a typed wrapper, and ms since 1970 exceed Int32.
    watermarkMs: Number(entity.watermarkMs),
    seen,
    version: Number(entity.version),
    pendingCheckRunKey: typeof pending === "string" ? pending : null,
  };
}

function statusOf(error: unknown): number | undefined {
  const status = (error as { statusCode?: unknown } | null)?.statusCode;
  return typeof status === "number" ? status : undefined;
}
