import type { Settings } from "../settings/settings.js";
import { storageServiceUrisFromSettings, type StorageAccess } from "../state/storage-clients.js";
import type { DatastoreRecord } from "./datastore-record.js";
import type { DatastoreRegistry } from "./datastore-registry.js";

/** The datastore every Azure ML workspace has, which the local host provides on its own storage (CONTRACT 5). */
export const LOCAL_DATASTORE_NAME = "workspaceblobstore";

/**
 * Registers `workspaceblobstore` on a container of that name in the host's storage, creating the container, so
 * that change-based schedules can be tried by uploading blobs. A connection string is reached through the
 * `AzureWebJobsStorage` setting (never copied into the registry); identity-based storage through its blob URL.
 */
export async function registerLocalDatastore(
  registry: DatastoreRegistry,
  storage: StorageAccess,
  settings: Settings,
  now: Date,
): Promise<DatastoreRecord> {
  await storage.blobService().getContainerClient(LOCAL_DATASTORE_NAME).createIfNotExists();
  const { record } = await registry.put(
    LOCAL_DATASTORE_NAME,
    settings.AzureWebJobsStorage === undefined
      ? { accountUrl: storageServiceUrisFromSettings(settings).blob, containerName: LOCAL_DATASTORE_NAME }
      : { connectionStringSetting: "AzureWebJobsStorage", containerName: LOCAL_DATASTORE_NAME },
    now,
  );
  return record;
}
