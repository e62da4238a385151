import {
  odata,
  type TableClient,
  type TableTransactionResponse,
  type TransactionAction,
} from "@azure/data-tables";
import { ConflictError, NotFoundError, PreconditionFailedError, ValidationError } from "../errors.js";
import type { NewScheduleRecord, ScheduleRecord } from "../schedules/record.js";
import {
  DUE_ROW_PREFIX,
  SCHEDULE_ROW_END,
  SCHEDULE_ROW_PREFIX,
  SCHEDULES_PARTITION,
  dueEntity,
  dueEntryFromEntity,
  dueRangeEnd,
  dueRowKey,
  isTombstone,
  nameEntity,
  nameRowKey,
  recordFromScheduleEntity,
  scheduleEntityFromRecord,
  scheduleIdFromNameEntity,
  scheduleRowKey,
  tombstoneEntity,
} from "./schedule-entities.js";
import type { DueEntry, ScheduleListPage, ScheduleListQuery, ScheduleStore } from "./schedule-store.js";

/** A query returns at most 1,000 entities per request (Azure Table service, Query Entities). */
const MAX_PAGE_SIZE = 1000;
/** How often a write with If-Match "*" re-reads and retries when other writers keep changing the schedule. */
const MAX_UNCONDITIONAL_ATTEMPTS = 10;

/**
 * Schedules in one Azure table (layout in schedule-entities.ts). Every multi-row change is one entity group
 * transaction, so a name row, a schedule row and its due entry never disagree.
 */
export class TableScheduleStore implements ScheduleStore {
  constructor(private readonly table: TableClient) {}

  /** Creates the table when it does not exist yet. */
  async ensureCreated(): Promise<void> {
    await this.table.createTable();
  }

  async insert(record: NewScheduleRecord): Promise<ScheduleRecord> {
    const actions: TransactionAction[] = [
      ["create", nameEntity(record.definition.name, record.id)],
      ["create", scheduleEntityFromRecord(record)],
    ];
    if (record.dueAt !== null) actions.push(["create", dueEntity(record.dueAt, record.id)]);
    try {
      const response = await this.table.submitTransaction(actions);
      return { ...record, etag: await this.scheduleEtagAfter(response, 1, record.id) };
    } catch (error) {
      if (storageStatus(error) === 409) {
        throw failedOperationIndex(error) === 1
          ? new ConflictError(`A schedule with id ${record.id} already exists`)
          : new ConflictError(`A schedule named "${record.definition.name}" already exists`);
      }
      throw error;
    }
  }

  async get(id: string): Promise<ScheduleRecord | undefined> {
    const entity = await this.readRow(scheduleRowKey(id));
    if (entity === undefined || isTombstone(entity)) return undefined;
    return recordFromScheduleEntity(entity, entity.etag);
  }

  async getByName(name: string): Promise<ScheduleRecord | undefined> {
    const nameRow = await this.readRow(nameRowKey(name));
    if (nameRow === undefined) return undefined;
    const record = await this.get(scheduleIdFromNameEntity(nameRow));
    return record?.definition.name === name ? record : undefined;
  }

  async list(query: ScheduleListQuery): Promise<ScheduleListPage> {
    const filter = scheduleListFilter(query);
    const items: ScheduleRecord[] = [];
    let continuationToken =
      query.continuationToken === undefined ? undefined : sdkContinuationToken(query.continuationToken);
    // A filtered query may return short or empty pages with a continuation; keep reading until `top` are found.
    do {
      const pages = this.table
        .listEntities({ queryOptions: { filter } })
        .byPage({ maxPageSize: Math.min(query.top - items.length, MAX_PAGE_SIZE), continuationToken });
      const page = await pages.next();
      if (page.done === true) {
        continuationToken = undefined;
        break;
      }
      for (const entity of page.value) {
        if (!isTombstone(entity)) items.push(recordFromScheduleEntity(entity, entity.etag));
      }
      continuationToken = page.value.continuationToken;
    } while (continuationToken !== undefined && items.length < query.top);
    return continuationToken === undefined
      ? { items }
      : { items, continuationToken: Buffer.from(continuationToken).toString("base64url") };
  }

  async replace(current: ScheduleRecord, next: NewScheduleRecord, ifMatch: string): Promise<ScheduleRecord> {
    if (next.id !== current.id) throw new Error(`Cannot replace schedule ${current.id} with ${next.id}`);
    const etag = await this.writeConditionally(current, ifMatch, async (stored) => {
      try {
        const response = await this.table.submitTransaction(replaceActions(stored, next));
        return await this.scheduleEtagAfter(response, 0, next.id);
      } catch (error) {
        // Only the new name row can exist already: the new due row's key holds this schedule's id.
        if (storageStatus(error) === 409) {
          throw new ConflictError(`A schedule named "${next.definition.name}" already exists`);
        }
        throw error;
      }
    });
    return { ...next, etag };
  }

  async delete(current: ScheduleRecord, ifMatch: string): Promise<void> {
    const tombstoneEtag = await this.writeConditionally(current, ifMatch, async (stored) => {
      const response = await this.table.submitTransaction(deleteActions(stored));
      return response.subResponses[0]?.etag?.trim() || "*";
    });
    // Only this writer knows the tombstone's ETag; readers already see the schedule as gone.
    try {
      await this.table.deleteEntity(SCHEDULES_PARTITION, scheduleRowKey(current.id), { etag: tombstoneEtag });
    } catch (error) {
      if (storageStatus(error) !== 404) throw error;
    }
  }

  async findDue(now: Date, limit: number): Promise<DueEntry[]> {
    const filter = odata`PartitionKey eq ${SCHEDULES_PARTITION} and RowKey ge ${DUE_ROW_PREFIX} and RowKey le ${dueRangeEnd(now)}`;
    const entries: DueEntry[] = [];
    let continuationToken: string | undefined;
    while (entries.length < limit) {
      const page = await this.table
        .listEntities({ queryOptions: { filter, select: ["scheduleId", "dueAt"] } })
        .byPage({ maxPageSize: Math.min(limit - entries.length, MAX_PAGE_SIZE), continuationToken })
        .next();
      if (page.done === true) break;
      entries.push(...page.value.map(dueEntryFromEntity));
      continuationToken = page.value.continuationToken;
      if (continuationToken === undefined) break;
    }
    return entries.slice(0, limit);
  }

  /** A query for a row that never exists: it fails when storage is unreachable or the table is missing. */
  async ping(): Promise<void> {
    const filter = odata`PartitionKey eq ${SCHEDULES_PARTITION} and RowKey eq ${"ping"}`;
    await this.table.listEntities({ queryOptions: { filter } }).byPage({ maxPageSize: 1 }).next();
  }

  /**
   * Runs `write` against the stored state that `ifMatch` designates, and maps the storage outcome to the
   * store's errors. The transaction is conditioned on the ETag of the state whose name and due rows it moves,
   * so "*" re-reads the schedule and retries when it changed in between.
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

  /** The schedule row's new ETag, from the transaction's sub-response or, when it carries none, a read. */
  private async scheduleEtagAfter(
    response: TableTransactionResponse,
    operationIndex: number,
    id: string,
  ): Promise<string> {
    const etag = response.subResponses[operationIndex]?.etag?.trim();
    if (etag) return etag;
    const entity = await this.readRow(scheduleRowKey(id));
    if (entity === undefined) throw new NotFoundError(`Schedule ${id} does not exist`);
    return entity.etag;
  }

  private async readRow(rowKey: string): Promise<(Record<string, unknown> & { etag: string }) | undefined> {
    try {
      return await this.table.getEntity<Record<string, unknown>>(SCHEDULES_PARTITION, rowKey);
    } catch (error) {
      if (storageStatus(error) === 404 && storageCode(error) !== "TableNotFound") return undefined;
      throw error;
    }
  }
}

function replaceActions(stored: ScheduleRecord, next: NewScheduleRecord): TransactionAction[] {
  const actions: TransactionAction[] = [
    ["update", scheduleEntityFromRecord(next), "Replace", { etag: stored.etag }],
  ];
  if (stored.definition.name !== next.definition.name) {
    actions.push(["delete", nameEntity(stored.definition.name, stored.id)]);
    actions.push(["create", nameEntity(next.definition.name, next.id)]);
  }
  const storedDueKey = stored.dueAt === null ? undefined : dueRowKey(stored.dueAt, stored.id);
  const nextDueKey = next.dueAt === null ? undefined : dueRowKey(next.dueAt, next.id);
  if (storedDueKey !== nextDueKey) {
    if (stored.dueAt !== null) actions.push(["delete", dueEntity(stored.dueAt, stored.id)]);
    if (next.dueAt !== null) actions.push(["create", dueEntity(next.dueAt, next.id)]);
  }
  return actions;
}

function deleteActions(stored: ScheduleRecord): TransactionAction[] {
  const actions: TransactionAction[] = [
    ["update", tombstoneEntity(stored.id), "Replace", { etag: stored.etag }],
    ["delete", nameEntity(stored.definition.name, stored.id)],
  ];
  if (stored.dueAt !== null) actions.push(["delete", dueEntity(stored.dueAt, stored.id)]);
  return actions;
}

/** The OData filter of GET /schedules: the schedule rows, narrowed by the CONTRACT 4 filters. */
export function scheduleListFilter(query: ScheduleListQuery): string {
  const clauses = [
    odata`PartitionKey eq ${SCHEDULES_PARTITION} and RowKey ge ${SCHEDULE_ROW_PREFIX} and RowKey lt ${SCHEDULE_ROW_END}`,
  ];
  if (query.status !== undefined) clauses.push(odata`status eq ${query.status}`);
  if (query.pipelineId !== undefined) clauses.push(odata`pipelineId eq ${query.pipelineId}`);
  if (query.pipelineEndpointId !== undefined) {
    clauses.push(odata`pipelineEndpointId eq ${query.pipelineEndpointId}`);
  }
  if (query.triggerType !== undefined) clauses.push(odata`triggerType eq ${query.triggerType}`);
  return clauses.join(" and ");
}

/** Our continuation token is the SDK's (base64 JSON of the next keys), base64url-encoded to be URL-safe. */
function sdkContinuationToken(token: string): string {
  const sdkToken = Buffer.from(token, "base64url").toString();
  try {
    const keys: unknown = JSON.parse(Buffer.from(sdkToken, "base64").toString("latin1"));
    if (
      typeof keys === "object" &&
      keys !== null &&
      typeof (keys as Record<string, unknown>).nextPartitionKey === "string"
    ) {
      return sdkToken;
    }
  } catch {
    // Reported below as an invalid token.
  }
  throw ValidationError.single("continuationToken", "is not a continuation token of this list");
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

/** The index of the operation that failed a transaction: the service prefixes its message with it ("1:..."). */
function failedOperationIndex(error: unknown): number | undefined {
  const match = /^(\d+):/.exec(error instanceof Error ? error.message : "");
  return match?.[1] === undefined ? undefined : Number(match[1]);
}
