import type { TokenCredential } from "@azure/identity";
import type { ContainerClient } from "@azure/storage-blob";
import type { StorageAccess } from "../state/storage-clients.js";
import type { DatastoreAccessPolicy } from "./datastore-access.js";
import { CachedEventBaselines, type EventBaselines } from "./blob-event-firing.js";
import { StorageBlobEventQueue, type BlobEventQueue } from "./blob-event-queue.js";
import { DatastoreCatalog } from "./datastore-catalog.js";
import type { DatastoreRecord } from "./datastore-record.js";
import { TableDatastoreRegistry, type DatastoreRegistry } from "./datastore-registry.js";
import { TableEventWatchIndex, type EventWatchIndex } from "./event-watch-index.js";
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
  /** Events mode (CONTRACT 2.3): the folders events-mode schedules watch, by datastore and folder. */
  eventWatches: EventWatchIndex;
  /** Events mode: which registered datastores an event's URL falls in (the registry, read every few seconds). */
  catalog: DatastoreCatalog;
  /** Events mode: the baselines of activations, kept in memory once read. */
  eventBaselines: EventBaselines;
  /** Events mode: BLOB_EVENTS_QUEUE and its poison queue. */
  blobEventQueue: BlobEventQueue;
}

export interface DatastoreServicesOptions {
  /** Full names (prefix included) of the registry and cursor tables and of the check queue. */
  registryTable: string;
  cursorTable: string;
  eventWatchTable: string;
  checkQueue: string;
  /** BLOB_EVENTS_QUEUE, as the setting names it: the queue trigger listens to that name. */
  blobEventsQueue: string;
  credential: TokenCredential;
  /** Reads an app setting when a check runs. */
  appSetting: (name: string) => string | undefined;
  policy: DatastoreAccessPolicy;
  clock: () => Date;
  log: (line: string) => void;
}

/** Builds the datastore services on the state storage; creates missing tables and the queue. */
export async function createDatastoreServices(
  storage: StorageAccess,
  options: DatastoreServicesOptions,
): Promise<DatastoreServices> {
  const registry = new TableDatastoreRegistry(storage.tableClient(options.registryTable));
  const cursors = new TableFolderCursorStore(storage.tableClient(options.cursorTable));
  const checkQueue = new StorageFolderCheckQueue(storage.queueClient(options.checkQueue));
  const eventWatches = new TableEventWatchIndex(storage.tableClient(options.eventWatchTable), options.clock);
  const blobEventQueue = StorageBlobEventQueue.named(options.blobEventsQueue, (name) =>
    storage.queueClient(name),
  );
  await Promise.all([
    registry.ensureCreated(),
    cursors.ensureCreated(),
    checkQueue.ensureCreated(),
    eventWatches.ensureCreated(),
    blobEventQueue.ensureCreated(),
  ]);
  const { appSetting, policy, clock, log } = options;
  const connection = { credential: options.credential, appSetting, policy };
  const openContainer = (datastore: DatastoreRecord) => openDatastoreContainer(datastore, connection);
  return {
    registry,
    cursors,
    checkQueue,
    policy,
    openContainer,
    eventWatches,
    catalog: new DatastoreCatalog({
      registry,
      containerUrlOf: (datastore) => openContainer(datastore).url,
      clock: () => clock().getTime(),
      log,
    }),
    eventBaselines: new CachedEventBaselines(cursors, log),
    blobEventQueue,
  };
}
