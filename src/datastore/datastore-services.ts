import type { TokenCredential } from "@azure/identity";
import type { ContainerClient } from "@azure/storage-blob";
import type { StorageAccess } from "../state/storage-clients.js";
import type { DatastoreAccessPolicy } from "./datastore-access.js";
import type { DatastoreRecord } from "./datastore-record.js";
import { TableDatastoreRegistry, type DatastoreRegistry } from "./datastore-registry.js";
import { StorageFolderCheckQueue, type FolderCheckQueue } from "./folder-check-queue.js";
import { TableFolderCursorStore, type FolderCursorStore } from "./folder-cursor-store.js";
import { openDatastoreContainer } from "./folder-listing.js";

/** What change-based schedules need from a host: the registry, the check cursors and queue, and blob access. */
export interface DatastoreServices {
  registry: DatastoreRegistry;
  cursors: FolderCursorStore;
  checkQueue: FolderCheckQueue;
  /** Which datastores may be registered and opened (PUT /datastores, every folder check). */
  policy: DatastoreAccessPolicy;
  /** The container of a registered datastore; throws DatastoreConfigurationError when it is refused or unusable. */
  openContainer(datastore: DatastoreRecord): ContainerClient;
}

export interface DatastoreServicesOptions {
  /** Full names (prefix included) of the registry and cursor tables and of the check queue. */
  registryTable: string;
  cursorTable: string;
  checkQueue: string;
  credential: TokenCredential;
  /** Reads an app setting when a check runs. */
  appSetting: (name: string) => string | undefined;
  policy: DatastoreAccessPolicy;
}

/** Builds the datastore services on the state storage; creates missing tables and the queue. */
export async function createDatastoreServices(
  storage: StorageAccess,
  options: DatastoreServicesOptions,
): Promise<DatastoreServices> {
  const registry = new TableDatastoreRegistry(storage.tableClient(options.registryTable));
  const cursors = new TableFolderCursorStore(storage.tableClient(options.cursorTable));
  const checkQueue = new StorageFolderCheckQueue(storage.queueClient(options.checkQueue));
  await Promise.all([registry.ensureCreated(), cursors.ensureCreated(), checkQueue.ensureCreated()]);
  const { appSetting, policy } = options;
  const connection = { credential: options.credential, appSetting, policy };
  return {
    registry,
    cursors,
    checkQueue,
    policy,
    openContainer: (datastore) => openDatastoreContainer(datastore, connection),
  };
}
