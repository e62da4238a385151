import type { Settings } from "../settings/settings.js";
import { storageServiceUrisFromSettings, type StorageAccess } from "../state/storage-clients.js";
import type { DatastoreAccess } from "./datastore-access.js";
import type { DatastoreDefinition, DatastoreRecord } from "./datastore-record.js";
import type { DatastoreRegistry } from "./datastore-registry.js";

/** The datastore every Azure ML workspace has, which the local host provides on its own storage (CONTRACT 5). */
export const LOCAL_DATASTORE_NAME = "workspaceblobstore";

/**
 * The registration of `workspaceblobstore` on a container of that name in the host's storage. A connection
 * string is reached through the `AzureWebJobsStorage` setting (never copied into the registry); identity-based
 * storage through its blob URL. The access rules allow exactly this one datastore on the service's own storage
 * (CONTRACT 4), and only in the local host.
 */
export function localDatastoreDefinition(settings: Settings): DatastoreAccess & DatastoreDefinition {
  return settings.AzureWebJobsStorage === undefined
    ? {
        name: LOCAL_DATASTORE_NAME,
        accountUrl: storageServiceUrisFromSettings(settings).blob,
        containerName: LOCAL_DATASTORE_NAME,
      }
    : {
        name: LOCAL_DATASTORE_NAME,
        connectionStringSetting: "AzureWebJobsStorage",
        containerName: LOCAL_DATASTORE_NAME,
      };
}

/**
 * Registers `workspaceblobstore` (localDatastoreDefinition), creating its container, so that change-based
 * schedules can be tried by uploading blobs.
 */
export async function registerLocalDatastore(
  registry: DatastoreRegistry,
  storage: StorageAccess,
  settings: Settings,
  now: Date,
): Promise<DatastoreRecord> {
  await storage.blobService().getContainerClient(LOCAL_DATASTORE_NAME).createIfNotExists();
  const { name: _name, ...definition } = localDatastoreDefinition(settings);
  const { record } = await registry.put(LOCAL_DATASTORE_NAME, definition, now);
  return record;
}
