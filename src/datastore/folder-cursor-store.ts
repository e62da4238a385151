import type { TableClient, TableEntity } from "@azure/data-tables";
import { FINGERPRINT_LENGTH, type FolderCursor } from "./folder-changes.js";

export interface StoredCursor {
  cursor: FolderCursor;
  /** Storage ETag of the cursor row, for the conditional save. */
  etag: string;
}

/** One cursor per change-based schedule. Saves are conditional, so of two concurrent checks one saves. */
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
  delete(scheduleId: string): Promise<void>;
}

/** A string property holds at most 32K UTF-16 code units and an entity at most 1 MiB (Azure Table data model). */
const FINGERPRINTS_PER_PROPERTY = 2_000;
const MAX_SEEN_PROPERTIES = 15;
export const MAX_SEEN_FINGERPRINTS = FINGERPRINTS_PER_PROPERTY * MAX_SEEN_PROPERTIES;

const CURSOR_ROW = "cursor";

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

  async delete(scheduleId: string): Promise<void> {
    try {
      await this.table.deleteEntity(scheduleId, CURSOR_ROW);
    } catch (error) {
      if (statusOf(error) !== 404) throw error;
    }
  }
}

export function cursorToEntity(scheduleId: string, cursor: FolderCursor): CursorEntity {
  if (cursor.seen.length > MAX_SEEN_FINGERPRINTS) {
    throw new CursorCapacityError(
      `${cursor.seen.length} blobs changed within the watermark margin; a cursor holds ${MAX_SEEN_FINGERPRINTS}`,
    );
  }
  const entity: CursorEntity = {
    partitionKey: scheduleId,
    rowKey: CURSOR_ROW,
    activatedAt: cursor.activatedAt,
    watermarkMs: String(cursor.watermarkMs),
    version: cursor.version,
    seenCount: cursor.seen.length,
  };
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
  return {
    activatedAt: String(entity.activatedAt),
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
