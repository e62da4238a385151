import { odata, type TableClient } from "@azure/data-tables";
import { ConflictError, NotFoundError, PreconditionFailedError } from "../errors.js";
import type { NewScheduleRecord, ScheduleRecord } from "../schedules/record.js";
import {
  NAME_ROW_KEY,
  SCHEDULE_ROW_KEY,
  type ScheduleEntity,
  dueEntity,
  dueEntryFromEntity,
  duePartitionKey,
  dueRange,
  dueRowKey,
  nameEntity,
  namePartitionKey,
  recordFromScheduleEntity,
  scheduleEntityFromRecord,
  scheduleIdFromNameEntity,
  writtenAtOf,
} from "./schedule-entities.js";
import {
  apiContinuationToken,
  invalidContinuationToken,
  sdkContinuationToken,
} from "./continuation-token.js";
import type { DueEntry, ScheduleListPage, ScheduleListQuery, ScheduleStore } from "./schedule-store.js";

/** A query returns at most 1,000 entities per request (Azure Table service, Query Entities). */
const MAX_PAGE_SIZE = 1000;
/** How often a write with If-Match "*" re-reads and retries when other writers keep changing the schedule. */
const MAX_UNCONDITIONAL_ATTEMPTS = 10;
/** How often a claim of a name or due row retries when the row changes under it. */
const MAX_CLAIM_ATTEMPTS = 3;
/**
 * A name or due row younger than this may belong to a writer between its steps; older, and not matching its
 * schedule, it is what a crash left behind, and may be taken over or removed.
 */
export const IN_PROGRESS_WINDOW_MS = 60_000;

type StoredRow = Record<string, unknown> & { etag: string };

/** A row by its keys and the ETag a write expects it to have ("*": any). */
interface RowReference {
  partitionKey: string;
  rowKey: string;
  etag: string;
}

/** A row this write holds: `fresh` when this write created it, so that undoing the write may remove it. */
interface ClaimedRow extends RowReference {
  fresh: boolean;
}

export interface TableScheduleStoreOptions {
  /** Replaces real time for `writtenAt` and the in-progress window (tests). */
  clock?: () => Date;
}

/**
 * Schedules in two Azure tables (layout in schedule-entities.ts). No transaction spans their rows, so every
 * write goes in an order that a crash at any point cannot turn into a schedule without its due row or a name
 * held by two schedules: the name row and the due row are written before the schedule row, and the rows the
 * schedule no longer needs are removed after it. What a crash leaves behind is a name row or a due row that
 * no schedule matches; a name row is taken over after a minute, a due row is discarded by the scheduling pass.
 */
export class TableScheduleStore implements ScheduleStore {
  private readonly clock: () => Date;

  constructor(
    private readonly schedules: TableClient,
    private readonly due: TableClient,
    options: TableScheduleStoreOptions = {},
  ) {
    this.clock = options.clock ?? (() => new Date());
  }

  /** Creates the tables when they do not exist yet. */
  async ensureCreated(): Promise<void> {
    await Promise.all([this.schedules.createTable(), this.due.createTable()]);
  }

  async insert(record: NewScheduleRecord): Promise<ScheduleRecord> {
    const claimed: ClaimedRow[] = [];
    try {
      claimed.push(await this.claimName(record.definition.name, record.id));
      if (record.dueAt !== null) claimed.push(await this.claimDueRow(record.dueAt, record.id));
      try {
        const response = await this.schedules.createEntity(scheduleEntityFromRecord(record));
        return { ...record, etag: response.etag ?? (await this.scheduleEtag(record.id)) };
      } catch (error) {
        if (storageStatus(error) === 409) {
          throw new ConflictError(`A schedule with id ${record.id} already exists`);
        }
        throw error;
      }
    } catch (error) {
      await this.release(claimed);
      throw error;
    }
  }

  async get(id: string): Promise<ScheduleRecord | undefined> {
    const entity = await readRow(this.schedules, id, SCHEDULE_ROW_KEY);
    return entity === undefined ? undefined : recordFromScheduleEntity(entity, entity.etag);
  }

  async getByName(name: string): Promise<ScheduleRecord | undefined> {
    const nameRow = await readRow(this.schedules, namePartitionKey(name), NAME_ROW_KEY);
    if (nameRow === undefined) return undefined;
    const record = await this.get(scheduleIdFromNameEntity(nameRow));
    return record?.definition.name === name ? record : undefined;
  }

  async list(query: ScheduleListQuery): Promise<ScheduleListPage> {
    const filter = scheduleListFilter(query);
    const items: ScheduleRecord[] = [];
    let continuationToken =
      query.continuationToken === undefined ? undefined : sdkContinuationToken(query.continuationToken);
    let resumesCallersToken = continuationToken !== undefined;
    // A filtered query may return short or empty pages with a continuation; keep reading until `top` are found.
    do {
      const pages = this.schedules
        .listEntities({ queryOptions: { filter } })
        .byPage({ maxPageSize: Math.min(query.top - items.length, MAX_PAGE_SIZE), continuationToken });
      const page = await pages.next().catch((error: unknown) => {
        throw resumesCallersToken && storageStatus(error) === 400 ? invalidContinuationToken() : error;
      });
      resumesCallersToken = false;
      if (page.done === true) {
        continuationToken = undefined;
        break;
      }
      for (const entity of page.value) items.push(recordFromScheduleEntity(entity, entity.etag));
      continuationToken = page.value.continuationToken;
    } while (continuationToken !== undefined && items.length < query.top);
    return continuationToken === undefined
      ? { items }
      : { items, continuationToken: apiContinuationToken(continuationToken) };
  }

  /**
   * (1) claims the new name, (2) writes the new due row, (3) replaces the schedule row on its ETag, (4) removes
   * the old name and due rows. A failure before (3) undoes (1) and (2); a crash leaves rows no schedule matches.
   */
  async replace(
    current: ScheduleRecord,
    next: NewScheduleRecord,
    ifMatch: string,
    knownDueEntry?: DueEntry,
  ): Promise<ScheduleRecord> {
    if (next.id !== current.id) throw new Error(`Cannot replace schedule ${current.id} with ${next.id}`);
    const { etag, leftBehind } = await this.writeConditionally(current, ifMatch, async (stored) => {
      const claimed: ClaimedRow[] = [];
      const leftBehind: (RowReference | undefined)[] = [];
      try {
        if (stored.definition.name !== next.definition.name) {
          // The old name row's ETag is read before the schedule changes: whatever rewrites it later is not ours.
          const [claim, oldName] = await Promise.all([
            this.claimName(next.definition.name, next.id),
            readRow(this.schedules, namePartitionKey(stored.definition.name), NAME_ROW_KEY),
          ]);
          claimed.push(claim);
          if (oldName !== undefined && scheduleIdFromNameEntity(oldName) === stored.id) {
            leftBehind.push(rowReference(oldName));
          }
        }
        if (dueKeyOf(stored) !== dueKeyOf(next)) {
          const [claim, oldDue] = await Promise.all([
            next.dueAt === null ? undefined : this.claimDueRow(next.dueAt, next.id),
            stored.dueAt === null ? undefined : this.dueRowOf(stored.id, stored.dueAt, knownDueEntry),
          ]);
          if (claim !== undefined) claimed.push(claim);
          leftBehind.push(oldDue === undefined ? undefined : rowReference(oldDue));
        }
        const response = await this.schedules.updateEntity(scheduleEntityFromRecord(next), "Replace", {
          etag: stored.etag,
        });
        return { etag: response.etag ?? (await this.scheduleEtag(next.id)), leftBehind };
      } catch (error) {
        await this.release(claimed);
        throw error;
      }
    });
    await this.removeLeftBehind(leftBehind);
    return { ...next, etag };
  }

  /** (1) deletes the schedule row on its ETag, (2) removes its name and due rows. */
  async delete(current: ScheduleRecord, ifMatch: string): Promise<void> {
    const stored = await this.writeConditionally(current, ifMatch, async (stored) => {
      await this.schedules.deleteEntity(stored.id, SCHEDULE_ROW_KEY, { etag: stored.etag });
      return stored;
    });
    // The schedule is gone whatever happens next: a name row left here is taken over, a due row discarded.
    const nameRow = await readRow(
      this.schedules,
      namePartitionKey(stored.definition.name),
      NAME_ROW_KEY,
    ).catch(() => undefined);
    const ownName = nameRow !== undefined && scheduleIdFromNameEntity(nameRow) === stored.id;
    // The due row's key holds the id of a schedule that is gone: no one else can need it.
    const dueRow =
      stored.dueAt === null
        ? undefined
        : {
            partitionKey: duePartitionKey(stored.dueAt),
            rowKey: dueRowKey(stored.dueAt, stored.id),
            etag: "*",
          };
    await this.removeLeftBehind([ownName ? rowReference(nameRow) : undefined, dueRow]);
  }

  /** One range query over the minute partitions up to now; Azure returns partitions in key order. */
  async findDue(now: Date, limit: number): Promise<DueEntry[]> {
    const { lastPartitionKey, lastRowKey } = dueRange(now);
    const filter = odata`PartitionKey le ${lastPartitionKey} and RowKey le ${lastRowKey}`;
    const entries: DueEntry[] = [];
    let continuationToken: string | undefined;
    // Azure may end a page early (partition boundaries, 5 s of work) and hand back a continuation.
    while (entries.length < limit) {
      const page = await this.due
        .listEntities({ queryOptions: { filter, select: ["scheduleId", "dueAt", "writtenAt"] } })
        .byPage({ maxPageSize: Math.min(limit - entries.length, MAX_PAGE_SIZE), continuationToken })
        .next();
      if (page.done === true) break;
      entries.push(...page.value.map((entity) => dueEntryFromEntity(entity, entity.etag)));
      continuationToken = page.value.continuationToken;
      if (continuationToken === undefined) break;
    }
    return entries.slice(0, limit);
  }

  async discardDueEntry(entry: DueEntry): Promise<void> {
    if (Date.parse(entry.writtenAt) > this.clock().getTime() - IN_PROGRESS_WINDOW_MS) return;
    // On its ETag: a writer that wrote the entry again since wants it.
    await deleteIfPresent(this.due, {
      partitionKey: duePartitionKey(entry.dueAt),
      rowKey: dueRowKey(entry.dueAt, entry.scheduleId),
      etag: entry.etag,
    });
  }

  /** A query for a row that never exists: it fails when storage is unreachable or a table is missing. */
  async ping(): Promise<void> {
    await Promise.all(
      [this.schedules, this.due].map(async (table) => {
        const filter = odata`PartitionKey eq ${"ping"} and RowKey eq ${"ping"}`;
        await table.listEntities({ queryOptions: { filter } }).byPage({ maxPageSize: 1 }).next();
      }),
    );
  }

  /**
   * Inserts the name row. When it exists and names a schedule that still has the name, the name is taken.
   * Otherwise it is left over (a crashed create or rename, a rename's old row): it is taken over on its ETag,
   * but only once it is older than the in-progress window, as its writer may be about to write its schedule.
   * A row that already names this schedule is this schedule's (a crashed earlier write of it): rewritten on
   * its ETag, so that whoever removes it by an older ETag misses.
   */
  private async claimName(name: string, id: string): Promise<ClaimedRow> {
    const taken = () => new ConflictError(`A schedule named "${name}" already exists`);
    for (let attempt = 0; attempt < MAX_CLAIM_ATTEMPTS; attempt++) {
      const entity = nameEntity(name, id, this.clock());
      const inserted = await insertUnlessPresent(this.schedules, entity);
      if (inserted !== undefined) return inserted;
      const existing = await readRow(this.schedules, entity.partitionKey, entity.rowKey);
      if (existing === undefined) continue;
      const holderId = scheduleIdFromNameEntity(existing);
      if (holderId !== id) {
        const holder = await this.get(holderId);
        if (holder?.definition.name === name) throw taken();
        const heldFor = writtenAtOf(existing) + IN_PROGRESS_WINDOW_MS - this.clock().getTime();
        if (heldFor > 0) throw heldByUnfinishedWrite(name, heldFor);
      }
      const rewritten = await rewriteOnEtag(this.schedules, entity, existing.etag);
      if (rewritten === undefined) continue;
      // Taken over from another schedule, the row is this write's alone; rewritten, it may be another write's.
      return { ...rewritten, fresh: holderId !== id };
    }
    throw taken();
  }

  /**
   * Inserts the due row, or rewrites the row a crash or a concurrent write of this schedule left with the
   * same key (refreshing writtenAt, so that the scheduling pass keeps it while this write completes).
   */
  private async claimDueRow(dueAt: string, id: string): Promise<ClaimedRow> {
    for (let attempt = 0; attempt < MAX_CLAIM_ATTEMPTS; attempt++) {
      const entity = dueEntity(dueAt, id, this.clock());
      const inserted = await insertUnlessPresent(this.due, entity);
      if (inserted !== undefined) return inserted;
      const existing = await readRow(this.due, entity.partitionKey, entity.rowKey);
      if (existing === undefined) continue;
      const rewritten = await rewriteOnEtag(this.due, entity, existing.etag);
      if (rewritten !== undefined) return { ...rewritten, fresh: false };
    }
    throw new PreconditionFailedError(`The due entry of schedule ${id} kept changing`);
  }

  private async readDueRow(dueAt: string, id: string): Promise<StoredRow | undefined> {
    return readRow(this.due, duePartitionKey(dueAt), dueRowKey(dueAt, id));
  }

  /**
   * The due row of schedule `id` at `dueAt`: as findDue read it when that is the one, else as stored now. Its
   * ETag only conditions the row's removal, so one that is stale leaves the row for discardDueEntry.
   */
  private async dueRowOf(
    id: string,
    dueAt: string,
    known: DueEntry | undefined,
  ): Promise<StoredRow | undefined> {
    if (known?.scheduleId !== id || Date.parse(known.dueAt) !== Date.parse(dueAt)) {
      return this.readDueRow(dueAt, id);
    }
    return { partitionKey: duePartitionKey(dueAt), rowKey: dueRowKey(dueAt, id), etag: known.etag };
  }

  /**
   * Undoes the claims of a write that failed, best effort. Only rows this write created are removed, on the
   * ETag it wrote: a row another write of the schedule rewrote since (or before) is left to that write.
   */
  private async release(claimed: ClaimedRow[]): Promise<void> {
    await Promise.all(
      claimed
        .filter((row) => row.fresh)
        .map((row) =>
          deleteIfPresent(row.rowKey === NAME_ROW_KEY ? this.schedules : this.due, row).catch(
            () => undefined,
          ),
        ),
    );
  }

  /** Removes, best effort and on their ETags as read, the rows a schedule no longer needs. */
  private async removeLeftBehind(rows: (RowReference | undefined)[]): Promise<void> {
    await Promise.all(
      rows.map(async (row) => {
        if (row === undefined) return;
        const table = row.rowKey === NAME_ROW_KEY ? this.schedules : this.due;
        // A row that stays is what a crash here would leave: it is taken over or discarded later.
        await deleteIfPresent(table, row).catch(() => undefined);
      }),
    );
  }

  /**
   * Runs `write` against the stored state that `ifMatch` designates, and maps the storage outcome to the
   * store's errors. The write is conditioned on the ETag of the state whose name and due rows it moves, so
   * "*" re-reads the schedule and retries when it changed in between.
   */
  private async writeConditionally<T>(
    current: ScheduleRecord,
    ifMatch: string,
    write: (stored: ScheduleRecord) => Promise<T>,
  ): Promise<T> {
    for (let attempt = 0; attempt < MAX_UNCONDITIONAL_ATTEMPTS; attempt++) {
      const stored =
        attempt === 0 && ifMatch !== "*" && current.etag === ifMatch ? current : await this.get(current.id);
      if (stored === undefined) throw new NotFoundError(`Schedule ${current.id} does not exist`);
      if (ifMatch !== "*" && stored.etag !== ifMatch) throw preconditionFailed(current.id);
      try {
        return await write(stored);
      } catch (error) {
        const status = storageStatus(error);
        if (status === 404) throw new NotFoundError(`Schedule ${current.id} does not exist`);
        if (status !== 412) throw error;
        // Either the schedule changed (412 for a given ETag, retry for "*") or it is gone (NotFoundError).
        if (ifMatch !== "*" && (await this.get(current.id)) !== undefined)
          throw preconditionFailed(current.id);
      }
    }
    throw new PreconditionFailedError(
      `Schedule ${current.id} kept changing; gave up after ${MAX_UNCONDITIONAL_ATTEMPTS} attempts`,
    );
  }

  /** The schedule row's ETag, when a write's response carries none. */
  private async scheduleEtag(id: string): Promise<string> {
    const entity = await readRow(this.schedules, id, SCHEDULE_ROW_KEY);
    if (entity === undefined) throw new NotFoundError(`Schedule ${id} does not exist`);
    return entity.etag;
  }
}

function rowReference(row: StoredRow): RowReference {
  return { partitionKey: String(row.partitionKey), rowKey: String(row.rowKey), etag: row.etag };
}

function dueKeyOf(record: NewScheduleRecord): string | undefined {
  return record.dueAt === null ? undefined : dueRowKey(record.dueAt, record.id);
}

async function readRow(
  table: TableClient,
  partitionKey: string,
  rowKey: string,
): Promise<StoredRow | undefined> {
  try {
    return await table.getEntity<Record<string, unknown>>(partitionKey, rowKey);
  } catch (error) {
    if (storageStatus(error) === 404 && storageCode(error) !== "TableNotFound") return undefined;
    throw error;
  }
}

/** Inserts the row; undefined when a row with its keys exists. */
async function insertUnlessPresent(
  table: TableClient,
  entity: ScheduleEntity,
): Promise<ClaimedRow | undefined> {
  try {
    const response = await table.createEntity(entity);
    const etag = response.etag ?? (await readRow(table, entity.partitionKey, entity.rowKey))?.etag ?? "*";
    return { partitionKey: entity.partitionKey, rowKey: entity.rowKey, etag, fresh: true };
  } catch (error) {
    if (storageStatus(error) === 409) return undefined;
    throw error;
  }
}

/** Replaces the row on its ETag; undefined when it changed or went in between. */
async function rewriteOnEtag(
  table: TableClient,
  entity: ScheduleEntity,
  etag: string,
): Promise<Omit<ClaimedRow, "fresh"> | undefined> {
  try {
    const response = await table.updateEntity(entity, "Replace", { etag });
    const newEtag = response.etag ?? (await readRow(table, entity.partitionKey, entity.rowKey))?.etag ?? "*";
    return { partitionKey: entity.partitionKey, rowKey: entity.rowKey, etag: newEtag };
  } catch (error) {
    const status = storageStatus(error);
    if (status === 412 || status === 404) return undefined;
    throw error;
  }
}

/** Deletes the row on its ETag; a row already gone or rewritten since is not an error. */
async function deleteIfPresent(table: TableClient, row: RowReference): Promise<void> {
  try {
    await table.deleteEntity(row.partitionKey, row.rowKey, { etag: row.etag });
  } catch (error) {
    const status = storageStatus(error);
    if (status !== 404 && status !== 412) throw error;
  }
}

/** The OData filter of GET /schedules: the schedule rows, narrowed by the CONTRACT 4 filters. */
export function scheduleListFilter(query: ScheduleListQuery): string {
  const clauses = [odata`RowKey eq ${SCHEDULE_ROW_KEY}`];
  if (query.status !== undefined) clauses.push(odata`status eq ${query.status}`);
  if (query.pipelineId !== undefined) clauses.push(odata`pipelineId eq ${query.pipelineId}`);
  if (query.pipelineEndpointId !== undefined) {
    clauses.push(odata`pipelineEndpointId eq ${query.pipelineEndpointId}`);
  }
  if (query.triggerType !== undefined) clauses.push(odata`triggerType eq ${query.triggerType}`);
  return clauses.join(" and ");
}

/**
 * The name row of a write that has not written its schedule: one in progress, or one a crash stopped. It is
 * taken over once the in-progress window ends (docs/architecture.md); until then the name is not free, though
 * no schedule has it.
 */
function heldByUnfinishedWrite(name: string, heldForMs: number): ConflictError {
  return new ConflictError(
    `The name "${name}" is held by an unfinished write (a create or rename in progress, or stopped by a ` +
      `crash); it is released ${IN_PROGRESS_WINDOW_MS / 1000} s after that write began, unless the write completes`,
    Math.ceil(heldForMs / 1000),
  );
}

function preconditionFailed(id: string): PreconditionFailedError {
  return new PreconditionFailedError(`Schedule ${id} has changed: its ETag does not match If-Match`);
}

function storageStatus(error: unknown): number | undefined {
  const status = (error as { statusCode?: unknown } | null)?.statusCode;
  return typeof status === "number" ? status : undefined;
}

/** The service's error code; a point read's RestError carries it only in the x-ms-error-code header. */
function storageCode(error: unknown): string | undefined {
  const failure = error as {
    code?: unknown;
    response?: { headers?: { get(name: string): string | undefined } };
  };
  if (typeof failure.code === "string") return failure.code;
  return failure.response?.headers?.get("x-ms-error-code");
}
