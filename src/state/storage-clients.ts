import type { TokenCredential } from "@azure/identity";
import { TableClient, TableServiceClient, type TableServiceClientOptions } from "@azure/data-tables";
import { DefaultAzureCredential } from "@azure/identity";
import { BlobServiceClient } from "@azure/storage-blob";
import { QueueServiceClient, type QueueClient } from "@azure/storage-queue";
import { SettingsError, type Settings } from "../settings/settings.js";
import {
  QUEUE_AND_BLOB_RETRY_OPTIONS,
  TABLE_RETRY_OPTIONS,
  tableTryTimeoutPolicy,
} from "./storage-outage.js";

/** The clients of the storage account that holds the service's state (`AzureWebJobsStorage`, CONTRACT 6). */
export interface StorageAccess {
  tableClient(tableName: string): TableClient;
  tableService(): TableServiceClient;
  queueClient(queueName: string): QueueClient;
  blobService(): BlobServiceClient;
}

/** Service endpoints of an identity-based `AzureWebJobsStorage`. */
export interface StorageServiceUris {
  table: string;
  queue: string;
  blob: string;
}

/**
 * Builds the clients from a connection string, or, as the Functions host does for identity-based connections,
 * from `AzureWebJobsStorage__accountName` / `__tableServiceUri` / `__queueServiceUri` / `__blobServiceUri` with
 * `DefaultAzureCredential` (`__clientId` selects a user-assigned managed identity). `credential` replaces the
 * default credential, for tests.
 */
export function storageAccessFromSettings(settings: Settings, credential?: TokenCredential): StorageAccess {
  if (settings.AzureWebJobsStorage !== undefined) {
    return storageAccessFromConnectionString(settings.AzureWebJobsStorage);
  }
  const uris = storageServiceUrisFromSettings(settings);
  return storageAccessFromIdentity(
    uris,
    credential ?? defaultStorageCredential(settings.AzureWebJobsStorage__clientId),
  );
}

/**
 * The endpoints of identity-based storage: an explicit `__<service>ServiceUri` wins, else the public-cloud
 * endpoint of `__accountName`. Throws a SettingsError naming every endpoint that can be derived from neither.
 */
export function storageServiceUrisFromSettings(settings: Settings): StorageServiceUris {
  const account = settings.AzureWebJobsStorage__accountName;
  const derive = (service: "table" | "queue" | "blob", explicit: string | undefined): string | undefined =>
    explicit ?? (account === undefined ? undefined : `https://${account}.${service}.core.windows.net`);
  const table = derive("table", settings.AzureWebJobsStorage__tableServiceUri);
  const queue = derive("queue", settings.AzureWebJobsStorage__queueServiceUri);
  const blob = derive("blob", settings.AzureWebJobsStorage__blobServiceUri);
  if (table === undefined || queue === undefined || blob === undefined) {
    const missing = [
      table === undefined ? "AzureWebJobsStorage__tableServiceUri" : undefined,
      queue === undefined ? "AzureWebJobsStorage__queueServiceUri" : undefined,
      blob === undefined ? "AzureWebJobsStorage__blobServiceUri" : undefined,
    ].filter((name) => name !== undefined);
    throw new SettingsError(
      `Invalid settings: ${missing.join(", ")} required when AzureWebJobsStorage__accountName is not set`,
    );
  }
  return { table, queue, blob };
}

function defaultStorageCredential(clientId: string | undefined): TokenCredential {
  return clientId === undefined
    ? new DefaultAzureCredential()
    : new DefaultAzureCredential({ managedIdentityClientId: clientId });
}

export function storageAccessFromIdentity(
  uris: StorageServiceUris,
  credential: TokenCredential,
): StorageAccess {
  const tableOptions = tableClientOptions(uris.table);
  const blobService = new BlobServiceClient(uris.blob, credential, {
    retryOptions: QUEUE_AND_BLOB_RETRY_OPTIONS,
  });
  const queueService = new QueueServiceClient(uris.queue, credential, {
    retryOptions: QUEUE_AND_BLOB_RETRY_OPTIONS,
  });
  return {
    tableClient: (tableName) => new TableClient(uris.table, tableName, credential, tableOptions),
    tableService: () => new TableServiceClient(uris.table, credential, tableOptions),
    queueClient: (queueName) => queueService.getQueueClient(queueName),
    blobService: () => blobService,
  };
}

export function storageAccessFromConnectionString(connectionString: string): StorageAccess {
  const tableOptions = tableClientOptions(TableServiceClient.fromConnectionString(connectionString).url);
  const blobService = BlobServiceClient.fromConnectionString(connectionString, {
    retryOptions: QUEUE_AND_BLOB_RETRY_OPTIONS,
  });
  const queueService = QueueServiceClient.fromConnectionString(connectionString, {
    retryOptions: QUEUE_AND_BLOB_RETRY_OPTIONS,
  });
  return {
    tableClient: (tableName) => TableClient.fromConnectionString(connectionString, tableName, tableOptions),
    tableService: () => TableServiceClient.fromConnectionString(connectionString, tableOptions),
    queueClient: (queueName) => queueService.getQueueClient(queueName),
    blobService: () => blobService,
  };
}

/** The tables SDK refuses plain http unless told; Azurite on loopback speaks only http. Outages: storage-outage.ts. */
function tableClientOptions(tableServiceUrl: string): TableServiceClientOptions {
  return {
    retryOptions: TABLE_RETRY_OPTIONS,
    additionalPolicies: [tableTryTimeoutPolicy()],
    ...(isLoopbackHttp(tableServiceUrl) ? { allowInsecureConnection: true } : {}),
  };
}

export function isLoopbackHttp(url: string): boolean {
  const parsed = new URL(url);
  return (
    parsed.protocol === "http:" && ["127.0.0.1", "localhost", "[::1]"].includes(parsed.hostname.toLowerCase())
  );
}
