import type { TokenCredential } from "@azure/identity";
import {
  AzureNamedKeyCredential,
  AzureSASCredential,
  TableClient,
  TableServiceClient,
  type TableServiceClientOptions,
} from "@azure/data-tables";
import { DefaultAzureCredential } from "@azure/identity";
import {
  BlobServiceClient,
  StorageSharedKeyCredential as BlobSharedKeyCredential,
  type StoragePipelineOptions,
} from "@azure/storage-blob";
import {
  QueueServiceClient,
  StorageSharedKeyCredential as QueueSharedKeyCredential,
  type QueueClient,
} from "@azure/storage-queue";
import { SettingsError, type Settings } from "../settings/settings.js";
import {
  QUEUE_AND_BLOB_RETRY_OPTIONS,
  TABLE_RETRY_OPTIONS,
  tableTryTimeoutPolicy,
} from "./storage-outage.js";
import {
  connectionStringMessage,
  parseStorageConnectionString,
  type StorageConnection,
  type StorageService,
} from "../settings/storage-connection-string.js";

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

/**
 * The clients of a connection string, built from its parsed parts (src/settings/storage-connection-string.ts)
 * rather than by the SDKs' own parsers, so that what loadSettings accepted is exactly what is used. Throws a
 * SettingsError naming AzureWebJobsStorage when the string is unusable (loadSettings refuses it first).
 */
export function storageAccessFromConnectionString(connectionString: string): StorageAccess {
  const parsed = parseStorageConnectionString(connectionString, ["blob", "queue", "table"]);
  if (!parsed.ok) {
    throw new SettingsError(
      `Invalid settings: AzureWebJobsStorage ${connectionStringMessage(parsed.problem)}`,
    );
  }
  const { endpoints, credential } = parsed.connection;
  const table = requiredEndpoint(endpoints, "table");
  const queue = requiredEndpoint(endpoints, "queue");
  const tableOptions = tableClientOptions(table);
  const blobService = blobServiceFromConnection(parsed.connection, QUEUE_AND_BLOB_RETRY_OPTIONS);
  if (credential.kind === "sharedKey") {
    const tableKey = new AzureNamedKeyCredential(credential.accountName, credential.accountKey);
    const queueService = new QueueServiceClient(
      queue,
      new QueueSharedKeyCredential(credential.accountName, credential.accountKey),
      { retryOptions: QUEUE_AND_BLOB_RETRY_OPTIONS },
    );
    return {
      tableClient: (tableName) => new TableClient(table, tableName, tableKey, tableOptions),
      tableService: () => new TableServiceClient(table, tableKey, tableOptions),
      queueClient: (queueName) => queueService.getQueueClient(queueName),
      blobService: () => blobService,
    };
  }
  const tableSas = new AzureSASCredential(credential.sharedAccessSignature);
  const queueService = new QueueServiceClient(withSas(queue, credential.sharedAccessSignature), undefined, {
    retryOptions: QUEUE_AND_BLOB_RETRY_OPTIONS,
  });
  return {
    tableClient: (tableName) => new TableClient(table, tableName, tableSas, tableOptions),
    tableService: () => new TableServiceClient(table, tableSas, tableOptions),
    queueClient: (queueName) => queueService.getQueueClient(queueName),
    blobService: () => blobService,
  };
}

/** The Blob service of a parsed connection string (the state storage's, or a datastore's). */
export function blobServiceFromConnection(
  connection: StorageConnection,
  retryOptions?: StoragePipelineOptions["retryOptions"],
): BlobServiceClient {
  const { endpoints, credential } = connection;
  const blob = requiredEndpoint(endpoints, "blob");
  const options = retryOptions === undefined ? {} : { retryOptions };
  return credential.kind === "sharedKey"
    ? new BlobServiceClient(
        blob,
        new BlobSharedKeyCredential(credential.accountName, credential.accountKey),
        options,
      )
    : new BlobServiceClient(withSas(blob, credential.sharedAccessSignature), undefined, options);
}

function requiredEndpoint(endpoints: StorageConnection["endpoints"], service: StorageService): string {
  const endpoint = endpoints[service];
  if (endpoint === undefined) throw new SettingsError(`The connection string has no ${service} endpoint`);
  return endpoint;
}

/** A SAS goes in the query of every request, as the SDKs' connection-string constructors do. */
function withSas(endpoint: string, sharedAccessSignature: string): string {
  return `${endpoint}?${sharedAccessSignature}`;
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
