import { RestError, type TableClient } from "@azure/data-tables";
import type { StatusCheck } from "./pipeline-run-status.js";
import { isPipelineRunStatus } from "./pipeline-run-status.js";

/**
 * The last status check of each run's pipeline run, shared by all instances. Claiming a refresh is a conditional
 * write, so that however many instances answer a run's wait, one of them asks Azure ML per interval.
 */
export interface StoredStatusCheck extends StatusCheck {
  etag: string;
}

export interface StatusCheckStore {
  get(runId: string): Promise<StoredStatusCheck | undefined>;
  /**
   * Stamps `checkedAt = now` on the check if it is still `previous` (absent: creates it). Undefined when another
   * caller changed it first: that caller is asking Azure ML.
   */
  claimRefresh(
    runId: string,
    previous: StoredStatusCheck | undefined,
    now: Date,
  ): Promise<StoredStatusCheck | undefined>;
  /** Records what the refresh learnt. */
  save(check: StatusCheck): Promise<void>;
}

const PARTITION = "run";

export class TableStatusCheckStore implements StatusCheckStore {
  constructor(private readonly table: TableClient) {}

  async ensureCreated(): Promise<void> {
    await this.table.createTable();
  }

  async get(runId: string): Promise<StoredStatusCheck | undefined> {
    try {
      return entityToCheck(await this.table.getEntity<Record<string, unknown>>(PARTITION, runId));
    } catch (error) {
      if (error instanceof RestError && error.statusCode === 404) return undefined;
      throw error;
    }
  }

  async claimRefresh(
    runId: string,
    previous: StoredStatusCheck | undefined,
    now: Date,
  ): Promise<StoredStatusCheck | undefined> {
    const claimed: StatusCheck =
      previous === undefined
        ? { runId, status: null, detail: null, checkedAt: now.toISOString(), failure: null }
        : { ...withoutEtag(previous), checkedAt: now.toISOString() };
    try {
      const response =
        previous === undefined
          ? await this.table.createEntity(checkToEntity(claimed))
          : await this.table.updateEntity(checkToEntity(claimed), "Replace", { etag: previous.etag });
      return { ...claimed, etag: response.etag ?? "" };
    } catch (error) {
      // 409: another caller created it; 412: another caller stamped it.
      if (error instanceof RestError && (error.statusCode === 409 || error.statusCode === 412))
        return undefined;
      throw error;
    }
  }

  async save(check: StatusCheck): Promise<void> {
    await this.table.upsertEntity(checkToEntity(check), "Replace");
  }
}

function checkToEntity(check: StatusCheck) {
  const entity: Record<string, string | number | boolean> = {
    partitionKey: PARTITION,
    rowKey: check.runId,
    checkedAt: check.checkedAt,
  };
  if (check.status !== null) entity.status = check.status;
  if (check.detail !== null) entity.detail = check.detail;
  if (check.failure !== null) {
    entity.failureFinal = check.failure.final;
    entity.failureMessage = check.failure.message;
    if (check.failure.httpStatus !== null) entity.failureHttpStatus = check.failure.httpStatus;
  }
  return entity as { partitionKey: string; rowKey: string } & Record<string, string | number | boolean>;
}

function entityToCheck(
  entity: Record<string, unknown> & { etag?: string; rowKey?: string },
): StoredStatusCheck {
  const text = (key: string) => (typeof entity[key] === "string" ? entity[key] : null);
  const failureMessage = text("failureMessage");
  return {
    runId: entity.rowKey ?? "",
    status: isPipelineRunStatus(entity.status) ? entity.status : null,
    detail: text("detail"),
    checkedAt: text("checkedAt") ?? new Date(0).toISOString(),
    failure:
      failureMessage === null
        ? null
        : {
            final: entity.failureFinal === true,
            httpStatus: typeof entity.failureHttpStatus === "number" ? entity.failureHttpStatus : null,
            message: failureMessage,
          },
    etag: entity.etag ?? "",
  };
}

function withoutEtag(check: StoredStatusCheck): StatusCheck {
  const { etag: _etag, ...rest } = check;
  return rest;
}
