import { createHash } from "node:crypto";
import {
  odata,
  RestError,
  type TableClient,
  type TableEntity,
  type TransactionAction,
} from "@azure/data-tables";
import { PreconditionFailedError } from "../errors.js";
import {
  apiContinuationToken,
  invalidContinuationToken,
  sdkContinuationToken,
} from "../state/continuation-token.js";
import { PartitionWriteBatcher } from "./partition-write-batcher.js";
import { locateRun, runPartitionKey } from "./run-ids.js";
import {
  PIPELINE_RUN_STATUSES,
  type ChangedBlob,
  type NewRunRecord,
  type PipelineRunStatus,
  type RunRecord,
  type RunReason,
  type RunStatus,
  type V2RunTarget,
} from "./run-record.js";
import {
  firstUnsettledCheckAt,
  type CreateRunResult,
  type RunPage,
  type RunStore,
  type TickStore,
} from "./run-store.js";

/**
 * Runs in one table. A schedule's runs share a partition (`s_<scheduleId>`, API runs `api`) with its claimed
 * occurrence keys (`occ:<key>`), so that claiming an occurrence and creating its run is one entity group
 * transaction. Unsettled runs are also listed in a small table of their own (one partition), written before the
 * run so that a crash at any point leaves something the sweep can find, and read without touching the history.
 */
const PENDING_PARTITION = "pending";
const SCHEDULER_PARTITION = "scheduler";
const CHUNK = 30_000;

type RunEntity = TableEntity<Record<string, unknown>>;

export class TableRunStore implements RunStore, TickStore {
  /** The unsettled list's writes, many runs' at once in a burst (fewer storage round trips per run). */
  private readonly unsettledWrites: PartitionWriteBatcher;

  constructor(
    private readonly table: TableClient,
    private readonly unsettled: TableClient,
  ) {
    this.unsettledWrites = new PartitionWriteBatcher(unsettled, PENDING_PARTITION);
  }

  async ensureCreated(): Promise<void> {
    await Promise.all([this.table.createTable(), this.unsettled.createTable()]);
  }

  async create(run: NewRunRecord, occurrenceKey?: string): Promise<CreateRunResult> {
    const location = locateRun(run.id);
    if (!location) throw new Error(`Malformed run id ${run.id}`);
    await this.unsettledWrites.upsert(run.id, { checkAt: firstUnsettledCheckAt(run).toISOString() });
    const entity = runToEntity(run);
    const actions: TransactionAction[] = [["create", entity]];
    if (occurrenceKey !== undefined) {
      actions.unshift([
        "create",
        { partitionKey: location.partitionKey, rowKey: occurrenceRowKey(occurrenceKey), runId: run.id },
      ]);
    }
    let etag: string | undefined;
    try {
      const response = await this.table.submitTransaction(actions);
      etag = response.subResponses[actions.length - 1]?.etag?.trim();
    } catch (error) {
      if (occurrenceKey === undefined || !isConflict(error)) throw error;
      await this.markSettled(run.id);
      const claim = await this.table.getEntity<{ runId: string }>(
        location.partitionKey,
        occurrenceRowKey(occurrenceKey),
      );
      return { created: false, existingRunId: claim.runId };
    }
    if (etag) return { created: true, run: { ...run, etag } };
    const stored = await this.get(run.id);
    if (!stored) throw new Error(`Run ${run.id} vanished right after it was created`);
    return { created: true, run: stored };
  }

  async get(runId: string): Promise<RunRecord | undefined> {
    const location = locateRun(runId);
    if (!location) return undefined;
    try {
      const entity = await this.table.getEntity<Record<string, unknown>>(
        location.partitionKey,
        location.rowKey,
      );
      return entityToRun(entity);
    } catch (error) {
      if (isNotFound(error)) return undefined;
      throw error;
    }
  }

  async update(run: RunRecord): Promise<RunRecord> {
    try {
      const response = await this.table.updateEntity(runToEntity(run), "Replace", { etag: run.etag });
      return { ...run, etag: response.etag ?? run.etag };
    } catch (error) {
      if (error instanceof RestError && error.statusCode === 412) {
        throw new PreconditionFailedError(`Run ${run.id} was changed by someone else`);
      }
      throw error;
    }
  }

  async listForSchedule(scheduleId: string, top: number, continuationToken?: string): Promise<RunPage> {
    const partitionKey = runPartitionKey(scheduleId);
    const sdkToken = continuationToken === undefined ? undefined : sdkContinuationToken(continuationToken);
    const pages = this.table
      .listEntities<Record<string, unknown>>({
        queryOptions: {
          filter: odata`PartitionKey eq ${partitionKey} and RowKey ge 'run:' and RowKey lt 'run;'`,
        },
      })
      .byPage({
        maxPageSize: top,
        ...(sdkToken === undefined ? {} : { continuationToken: sdkToken }),
      });
    const page = await pages.next().catch((error: unknown) => {
      throw sdkToken !== undefined && error instanceof RestError && error.statusCode === 400
        ? invalidContinuationToken()
        : error;
    });
    if (page.done === true) return { items: [] };
    const items = page.value.map(entityToRun);
    return page.value.continuationToken
      ? { items, continuationToken: apiContinuationToken(page.value.continuationToken) }
      : { items };
  }

  async latestForSchedule(scheduleId: string): Promise<RunRecord | undefined> {
    const page = await this.listForSchedule(scheduleId, 1);
    return page.items[0];
  }

  async listUnsettled(now: Date, limit: number): Promise<string[]> {
    const ids: string[] = [];
    const entities = this.unsettled.listEntities<{ checkAt: string }>({
      queryOptions: {
        filter: odata`PartitionKey eq ${PENDING_PARTITION} and checkAt le ${now.toISOString()}`,
        select: ["RowKey", "checkAt"],
      },
    });
    for await (const entity of entities) {
      ids.push(entity.rowKey ?? "");
      if (ids.length >= limit) break;
    }
    return ids;
  }

  async postponeCheck(runId: string, until: Date): Promise<void> {
    await this.unsettledWrites.upsert(runId, { checkAt: until.toISOString() });
  }

  async markSettled(runId: string): Promise<void> {
    await this.unsettledWrites.delete(runId);
  }

  async recentFireLags(scheduleId: string, top: number): Promise<number[]> {
    const partitionKey = runPartitionKey(scheduleId);
    const page = await this.table
      .listEntities<{ fireLagMs?: number }>({
        queryOptions: {
          filter: odata`PartitionKey eq ${partitionKey} and RowKey ge 'run:' and RowKey lt 'run;'`,
          select: ["fireLagMs"],
        },
      })
      .byPage({ maxPageSize: top })
      .next();
    if (page.done === true) return [];
    return page.value.flatMap((entity) => (typeof entity.fireLagMs === "number" ? [entity.fireLagMs] : []));
  }

  async recordTick(at: Date): Promise<void> {
    await this.table.upsertEntity(
      { partitionKey: SCHEDULER_PARTITION, rowKey: "tick", lastTickAt: at.toISOString() },
      "Replace",
    );
  }

  async lastTickAt(): Promise<Date | null> {
    try {
      const entity = await this.table.getEntity<{ lastTickAt: string }>(SCHEDULER_PARTITION, "tick");
      return new Date(entity.lastTickAt);
    } catch (error) {
      if (isNotFound(error)) return null;
      throw error;
    }
  }
}

/** Occurrence keys may hold blob paths: characters a RowKey forbids, or long keys, are hashed. */
export function occurrenceRowKey(occurrenceKey: string): string {
  // eslint-disable-next-line no-control-regex
  if (occurrenceKey.length <= 200 && !/[/\\#?\u0000-\u001f\u007f-\u009f]/.test(occurrenceKey)) {
    return `occ:${occurrenceKey}`;
  }
  return `occ:sha256:${createHash("sha256").update(occurrenceKey).digest("hex")}`;
}

function runToEntity(run: NewRunRecord): RunEntity {
  const location = locateRun(run.id);
  if (!location) throw new Error(`Malformed run id ${run.id}`);
  const request = JSON.stringify(run.request);
  const entity: RunEntity = {
    partitionKey: location.partitionKey,
    rowKey: location.rowKey,
    runId: run.id,
    scheduleId: run.scheduleId,
    scheduleName: run.scheduleName,
    reason: run.reason,
    scheduledFor: run.scheduledFor,
    createdAt: run.createdAt,
    submittedAt: run.submittedAt,
    status: run.status,
    attempts: run.attempts,
    pipelineRunId: run.pipelineRunId,
    httpStatus: run.httpStatus,
    error: run.error === null ? null : run.error.slice(0, CHUNK),
    changedBlob: run.changedBlob === null ? null : JSON.stringify(run.changedBlob),
    fireLagMs: run.fireLagMs,
    endpointUrl: run.endpointUrl,
    v2: run.v2 === undefined ? null : JSON.stringify(run.v2),
    nextAttemptAt: run.nextAttemptAt,
    pipelineStatus: run.pipelineStatus,
    pipelineStatusDetail: run.pipelineStatusDetail === null ? null : run.pipelineStatusDetail.slice(0, CHUNK),
    pipelineStatusAt: run.pipelineStatusAt,
    finishedAt: run.finishedAt,
    followStoppedAt: run.followStoppedAt,
    endHandledAt: run.endHandledAt,
    requestChunks: Math.ceil(request.length / CHUNK),
  };
  for (let index = 0; index * CHUNK < request.length; index++) {
    entity[`request${index}`] = request.slice(index * CHUNK, (index + 1) * CHUNK);
  }
  // Table storage drops null properties; keep the columns absent rather than failing on them.
  for (const [key, value] of Object.entries(entity)) if (value === null) delete entity[key];
  return entity;
}

function entityToRun(entity: Record<string, unknown> & { etag?: string }): RunRecord {
  const text = (key: string): string | null => (typeof entity[key] === "string" ? entity[key] : null);
  const chunks = Number(entity.requestChunks ?? 0);
  let request = "";
  for (let index = 0; index < chunks; index++) request += text(`request${index}`) ?? "";
  const changedBlob = text("changedBlob");
  const v2 = text("v2");
  return {
    id: text("runId") ?? "",
    scheduleId: text("scheduleId"),
    scheduleName: text("scheduleName"),
    reason: text("reason") as RunReason,
    scheduledFor: text("scheduledFor"),
    createdAt: text("createdAt") ?? "",
    submittedAt: text("submittedAt"),
    status: text("status") as RunStatus,
    attempts: Number(entity.attempts ?? 0),
    pipelineRunId: text("pipelineRunId"),
    httpStatus: typeof entity.httpStatus === "number" ? entity.httpStatus : null,
    error: text("error"),
    changedBlob: changedBlob === null ? null : (JSON.parse(changedBlob) as ChangedBlob),
    fireLagMs: typeof entity.fireLagMs === "number" ? entity.fireLagMs : null,
    request: request ? (JSON.parse(request) as Record<string, unknown>) : {},
    endpointUrl: text("endpointUrl") ?? "",
    // Runs written before v2 have no such column: they are v1 runs.
    ...(v2 === null ? {} : { v2: JSON.parse(v2) as V2RunTarget }),
    nextAttemptAt: text("nextAttemptAt"),
    pipelineStatus: pipelineStatusOf(entity.pipelineStatus),
    pipelineStatusDetail: text("pipelineStatusDetail"),
    pipelineStatusAt: text("pipelineStatusAt"),
    finishedAt: text("finishedAt"),
    followStoppedAt: text("followStoppedAt"),
    endHandledAt: text("endHandledAt"),
    etag: entity.etag ?? "",
  };
}

function pipelineStatusOf(value: unknown): PipelineRunStatus | null {
  return (PIPELINE_RUN_STATUSES as readonly unknown[]).includes(value) ? (value as PipelineRunStatus) : null;
}

function isConflict(error: unknown): boolean {
  return error instanceof RestError && error.statusCode === 409;
}

function isNotFound(error: unknown): boolean {
  return error instanceof RestError && error.statusCode === 404;
}
