import { randomUUID } from "node:crypto";
import type { ContainerClient } from "@azure/storage-blob";
import type { BlobEventQueue } from "../../datastore/blob-event-queue.js";
import { blobCreatedEventOf, listingEtag } from "../../datastore/blob-events.js";
import type { DatastoreRecord } from "../../datastore/datastore-record.js";
import type { DatastoreRegistry } from "../../datastore/datastore-registry.js";
import type { EventWatchIndex } from "../../datastore/event-watch-index.js";
import { LOCAL_DATASTORE_NAME } from "../../datastore/local-datastore.js";

export interface BlobEventBridgeOptions {
  registry: Pick<DatastoreRegistry, "get">;
  openContainer(datastore: DatastoreRecord): ContainerClient;
  watches: Pick<EventWatchIndex, "listForDatastore">;
  queue: Pick<BlobEventQueue, "enqueue">;
  /** Pause between two looks at the watched folders; longer when a look took longer. */
  intervalMs?: number;
  log(line: string): void;
}

export interface RunningBridge {
  /** Stops looking; resolves once the look under way has ended. */
  stop(): Promise<void>;
}

const DEFAULT_INTERVAL_MS = 1_000;
/** A folder seen for the first time: blobs written this long before its first watch may be new to its schedule. */
const FIRST_LOOK_MARGIN_MS = 60_000;

/**
 * The local host's stand-in for Event Grid (CONTRACT 5): Azurite has no events, so every second this lists the
 * folders of `workspaceblobstore` that events-mode schedules watch (direct children only, the folder checks'
 * listing) and enqueues on BLOB_EVENTS_QUEUE a BlobCreated event, made of the blob's real properties, for each blob
 * that is new or has a new ETag. Only the host's own container: other datastores get events only from whoever
 * writes them to the queue. In Azure, Event Grid writes the events itself, and no bridge runs.
 */
export function startBlobEventBridge(options: BlobEventBridgeOptions): RunningBridge {
  const intervalMs = options.intervalMs ?? DEFAULT_INTERVAL_MS;
  const known = new Map<string, Map<string, string>>();
  let stopped = false;
  let wake: (() => void) | undefined;
  let container: ContainerClient | undefined;

  const look = async () => {
    const watches = await options.watches.listForDatastore(LOCAL_DATASTORE_NAME);
    const firstWatchMs = new Map<string, number>();
    for (const watch of watches) {
      const at = Date.parse(watch.writtenAt);
      firstWatchMs.set(watch.folder, Math.min(at, firstWatchMs.get(watch.folder) ?? at));
    }
    for (const folder of known.keys()) if (!firstWatchMs.has(folder)) known.delete(folder);
    if (firstWatchMs.size === 0) return;
    container ??= await localContainer(options);
    for (const [folder, watchedSinceMs] of firstWatchMs) {
      const seen = known.get(folder);
      const current = new Map<string, string>();
      for await (const item of container.listBlobsByHierarchy("/", { prefix: folder })) {
        if (item.kind === "prefix" || item.name.endsWith("/")) continue;
        const etag = listingEtag(item.properties.etag);
        current.set(item.name, etag);
        const isNew =
          seen === undefined
            ? item.properties.lastModified.getTime() >= watchedSinceMs - FIRST_LOOK_MARGIN_MS
            : seen.get(item.name) !== etag;
        if (!isNew) continue;
        const event = blobCreatedEventOf(
          {
            url: container.getBlobClient(item.name).url,
            name: item.name,
            containerName: container.containerName,
            accountName: container.accountName,
            etag,
            contentLength: item.properties.contentLength ?? 0,
            contentType: item.properties.contentType,
            lastModified: item.properties.lastModified,
          },
          { id: randomUUID() },
        );
        await options.queue.enqueue(event);
      }
      known.set(folder, current);
    }
  };

  const loop = (async () => {
    while (!stopped) {
      const startedAt = Date.now();
      try {
        await look();
      } catch (error) {
        options.log(`blob event bridge: could not look at ${LOCAL_DATASTORE_NAME}: ${String(error)}`);
      }
      const pauseMs = Math.max(intervalMs, Date.now() - startedAt);
      await new Promise<void>((resolve) => {
        const timer = setTimeout(resolve, pauseMs);
        wake = () => {
          clearTimeout(timer);
          resolve();
        };
      });
    }
  })();

  return {
    async stop() {
      stopped = true;
      wake?.();
      await loop;
    },
  };
}

async function localContainer(options: BlobEventBridgeOptions): Promise<ContainerClient> {
  const datastore = await options.registry.get(LOCAL_DATASTORE_NAME);
  if (datastore === undefined) throw new Error(`the datastore ${LOCAL_DATASTORE_NAME} is not registered`);
  return options.openContainer(datastore);
}
