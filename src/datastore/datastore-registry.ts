import { odata, type TableClient, type TableEntity } from "@azure/data-tables";
import type { DatastoreDefinition, DatastoreRecord } from "./datastore-record.js";

/** The datastores schedules may watch (CONTRACT 4). Names are case-sensitive, as the trigger compares them. */
export interface DatastoreRegistry {
  get(name: string): Promise<DatastoreRecord | undefined>;
  list(): Promise<DatastoreRecord[]>;
  /** Creates or replaces; answers the record and whether it is new. */
  put(
    name: string,
    definition: DatastoreDefinition,
    now: Date,
  ): Promise<{ record: DatastoreRecord; created: boolean }>;
  /** Answers whether there was one. */
  delete(name: string): Promise<boolean>;
}

const PARTITION = "datastores";
const MAX_PUT_ATTEMPTS = 5;

type DatastoreEntity = TableEntity<Record<string, unknown>>;

/** Datastores in one table partition, one row per name. */
export class TableDatastoreRegistry implements DatastoreRegistry {
  constructor(private readonly table: TableClient) {}

  async ensureCreated(): Promise<void> {
    await this.table.createTable();
  }

  async get(name: string): Promise<DatastoreRecord | undefined> {
    try {
      return recordFromEntity(await this.table.getEntity<Record<string, unknown>>(PARTITION, name));
    } catch (error) {
      if (statusOf(error) === 404) return undefined;
      throw error;
    }
  }

  async list(): Promise<DatastoreRecord[]> {
    const records: DatastoreRecord[] = [];
    const entities = this.table.listEntities<Record<string, unknown>>({
      queryOptions: { filter: odata`PartitionKey eq ${PARTITION}` },
    });
    for await (const entity of entities) records.push(recordFromEntity(entity));
    return records;
  }

  async put(
    name: string,
    definition: DatastoreDefinition,
    now: Date,
  ): Promise<{ record: DatastoreRecord; created: boolean }> {
    // createdAt is kept across replaces, so a replace reads first and writes only if nobody wrote in between.
    for (let attempt = 0; attempt < MAX_PUT_ATTEMPTS; attempt++) {
      const current = await this.getWithEtag(name);
      const record: DatastoreRecord = {
        name,
        ...(definition.accountUrl === undefined ? {} : { accountUrl: definition.accountUrl }),
        ...(definition.connectionStringSetting === undefined
          ? {}
          : { connectionStringSetting: definition.connectionStringSetting }),
        containerName: definition.containerName,
        createdAt: current?.record.createdAt ?? now.toISOString(),
        updatedAt: now.toISOString(),
      };
      try {
        if (current === undefined) await this.table.createEntity(entityFromRecord(record));
        else await this.table.updateEntity(entityFromRecord(record), "Replace", { etag: current.etag });
        return { record, created: current === undefined };
      } catch (error) {
        const status = statusOf(error);
        if (status !== 409 && status !== 412 && status !== 404) throw error;
      }
    }
    throw new Error(`The datastore ${name} kept changing while it was being written`);
  }

  async delete(name: string): Promise<boolean> {
    try {
      await this.table.deleteEntity(PARTITION, name);
      return true;
    } catch (error) {
      if (statusOf(error) === 404) return false;
      throw error;
    }
  }

  private async getWithEtag(name: string): Promise<{ record: DatastoreRecord; etag: string } | undefined> {
    try {
      const entity = await this.table.getEntity<Record<string, unknown>>(PARTITION, name);
      return { record: recordFromEntity(entity), etag: entity.etag };
    } catch (error) {
      if (statusOf(error) === 404) return undefined;
      throw error;
    }
  }
}

function entityFromRecord(record: DatastoreRecord): DatastoreEntity {
  return { partitionKey: PARTITION, rowKey: record.name, ...withoutName(record) };
}

function withoutName(record: DatastoreRecord): Omit<DatastoreRecord, "name"> {
  const { name: _name, ...rest } = record;
  return rest;
}

function recordFromEntity(entity: Record<string, unknown>): DatastoreRecord {
  const text = (key: string): string | undefined => {
    const value = entity[key];
    return typeof value === "string" ? value : undefined;
  };
  const accountUrl = text("accountUrl");
  const connectionStringSetting = text("connectionStringSetting");
  return {
    name: String(entity.rowKey),
    ...(accountUrl === undefined ? {} : { accountUrl }),
    ...(connectionStringSetting === undefined ? {} : { connectionStringSetting }),
    containerName: String(entity.containerName),
    createdAt: String(entity.createdAt),
    updatedAt: String(entity.updatedAt),
  };
}

function statusOf(error: unknown): number | undefined {
  const status = (error as { statusCode?: unknown } | null)?.statusCode;
  return typeof status === "number" ? status : undefined;
}
