import { blobPathInContainer } from "./blob-events.js";
import type { DatastoreRecord } from "./datastore-record.js";
import type { DatastoreRegistry } from "./datastore-registry.js";
import { DatastoreConfigurationError } from "./folder-listing.js";

/** A blob named by an event, as a path in a registered datastore. */
export interface DatastoreBlob {
  datastoreName: string;
  /** Container-relative path. */
  path: string;
}

export interface DatastoreCatalogOptions {
  registry: Pick<DatastoreRegistry, "list">;
  /** The URL the service lists the datastore's container at; throws DatastoreConfigurationError when unusable. */
  containerUrlOf(datastore: DatastoreRecord): string;
  /** Epoch ms. */
  clock(): number;
  log(line: string): void;
  /** How long a read of the registry is used for; a miss reads it again sooner (MIN_REREAD_MS). */
  maxAgeMs?: number;
}

const DEFAULT_MAX_AGE_MS = 5_000;
const MIN_REREAD_MS = 1_000;

/**
 * Which registered datastores an event's `data.url` falls in. Datastores are few and change rarely, so the registry
 * is read at most every few seconds, not once per event; an event that matches none reads it again (at most once a
 * second), so that a datastore registered a moment ago is found. What a stale read misses, the reconciliation fires.
 */
export class DatastoreCatalog {
  private containers: { datastore: DatastoreRecord; containerUrl: string }[] = [];
  private readAtMs = Number.NEGATIVE_INFINITY;
  private reading: Promise<void> | undefined;
  private readonly refused = new Set<string>();

  constructor(private readonly options: DatastoreCatalogOptions) {}

  /** The datastores whose container holds the blob at `url`, with its path in each. */
  async blobsAt(url: string): Promise<DatastoreBlob[]> {
    const maxAgeMs = this.options.maxAgeMs ?? DEFAULT_MAX_AGE_MS;
    if (this.options.clock() - this.readAtMs > maxAgeMs) await this.read();
    let found = this.match(url);
    if (found.length === 0 && this.options.clock() - this.readAtMs > MIN_REREAD_MS) {
      await this.read();
      found = this.match(url);
    }
    return found;
  }

  private match(url: string): DatastoreBlob[] {
    return this.containers.flatMap(({ datastore, containerUrl }) => {
      const path = blobPathInContainer(url, containerUrl);
      return path === undefined ? [] : [{ datastoreName: datastore.name, path }];
    });
  }

  /** One read at a time: a burst of events waits for the same read. */
  private read(): Promise<void> {
    this.reading ??= this.readRegistry().finally(() => {
      this.reading = undefined;
    });
    return this.reading;
  }

  private async readRegistry(): Promise<void> {
    const startedAt = this.options.clock();
    const datastores = await this.options.registry.list();
    const containers: { datastore: DatastoreRecord; containerUrl: string }[] = [];
    for (const datastore of datastores) {
      try {
        containers.push({ datastore, containerUrl: this.options.containerUrlOf(datastore) });
        this.refused.delete(datastore.name);
      } catch (error) {
        if (!(error instanceof DatastoreConfigurationError)) throw error;
        // As a folder check would: a datastore the rules refuse, or whose setting is unusable, gets no runs.
        if (!this.refused.has(datastore.name)) {
          this.options.log(`blob events of datastore ${datastore.name} are ignored: ${error.message}`);
          this.refused.add(datastore.name);
        }
      }
    }
    this.containers = containers;
    this.readAtMs = startedAt;
  }
}
