import { forEachConcurrently } from "../concurrency.js";
import type { RunRecord } from "../runs/run-record.js";
import { folderPrefix } from "./folder-changes.js";
import type { ScheduleRecord } from "../schedules/record.js";
import type { ScheduleStore } from "../state/schedule-store.js";
import {
  announcesCommittedBlob,
  eventBaselineOf,
  EVENT_TIME_MARGIN_MS,
  isBaselineEvent,
  parentFolderOf,
  type BlobCreatedEvent,
  type EventBaseline,
} from "./blob-events.js";
import { blobOccurrenceKey, changedBlobRunInput, claimRun, type ChangeRunDependencies } from "./blob-runs.js";
import type { DatastoreBlob } from "./datastore-catalog.js";
import { YOUNG_WATCH_MS, type EventWatch, type EventWatchIndex } from "./event-watch-index.js";
import type { FolderCursorStore } from "./folder-cursor-store.js";

export interface BlobEventFiringDependencies extends ChangeRunDependencies {
  schedules: Pick<ScheduleStore, "get">;
  /** The registered datastores an event's `data.url` falls in. */
  catalog: { blobsAt(url: string): Promise<DatastoreBlob[]> };
  watches: Pick<EventWatchIndex, "list" | "remove">;
  baselines: EventBaselines;
  log(line: string): void;
}

/** What one batch of events did. */
export interface BlobEventOutcome {
  runs: RunRecord[];
  /** Events that named no watched folder of a registered datastore, or whose API fires nothing (CreateFile). */
  unwatched: number;
  /** (schedule, event) pairs about the schedule's baseline, or already fired by an event or a listing. */
  notFired: number;
}

/** How many folders, and how many claims, of one batch are worked on at once. */
const FOLDER_CONCURRENCY = 8;
const CLAIM_CONCURRENCY = 16;

/**
 * Fires the runs a batch of BlobCreated events announces (CONTRACT 2.3, detection "events"), as of `now`. Each event
 * is matched by its `data.url` to the datastores whose container holds it and to the events-mode schedules
 * watching the blob's parent folder (one index query per folder, so the cost follows the schedules of that folder);
 * subfolders never match, as a folder's watchers are found by the blob's direct parent only. A run is claimed under
 * the occurrence key (datastore, path, ETag) that the listing claims too, so that duplicates, redeliveries,
 * reordered deliveries and a reconciliation racing with the event fire each change once, whichever comes first.
 */
export async function fireBlobCreatedEvents(
  deps: BlobEventFiringDependencies,
  events: readonly BlobCreatedEvent[],
  now: Date,
): Promise<BlobEventOutcome> {
  const outcome: BlobEventOutcome = { runs: [], unwatched: 0, notFired: 0 };
  const folders = new Map<string, FolderEvents>();
  for (const event of events) {
    const blobs = announcesCommittedBlob(event) ? await deps.catalog.blobsAt(event.url) : [];
    if (blobs.length === 0) outcome.unwatched++;
    for (const blob of blobs) {
      const folder = parentFolderOf(blob.path);
      const key = JSON.stringify([blob.datastoreName, folder]);
      const entry = folders.get(key) ?? { datastoreName: blob.datastoreName, folder, changes: new Map() };
      // One message may hold the same change twice; it is claimed once.
      entry.changes.set(JSON.stringify([blob.path, event.etag]), { path: blob.path, event });
      folders.set(key, entry);
    }
  }
  await forEachConcurrently([...folders.values()], FOLDER_CONCURRENCY, async (entry) => {
    const watchers = await watchersOf(deps, entry, now);
    if (watchers.length === 0) outcome.unwatched += entry.changes.size;
    for (const schedule of watchers) {
      const fired = await fireForSchedule(deps, schedule, entry, now);
      outcome.runs.push(...fired);
      outcome.notFired += entry.changes.size - fired.length;
    }
  });
  return outcome;
}

interface FolderEvents {
  datastoreName: string;
  folder: string;
  /** By (path, ETag). */
  changes: Map<string, { path: string; event: BlobCreatedEvent }>;
}

/**
 * The Active events-mode schedules that watch the folder, read afresh: the index only says where to look. A row
 * whose schedule is gone, Disabled, polling, or watching another folder is removed once it is old enough not to
 * belong to an activation still being written.
 */
async function watchersOf(
  deps: BlobEventFiringDependencies,
  entry: FolderEvents,
  now: Date,
): Promise<ScheduleRecord[]> {
  const watches = await deps.watches.list(entry.datastoreName, entry.folder);
  const schedules: ScheduleRecord[] = [];
  for (const watch of watches) {
    const schedule = await deps.schedules.get(watch.scheduleId);
    if (schedule !== undefined && watchesFolder(schedule, watch)) schedules.push(schedule);
    else if (now.getTime() - Date.parse(watch.writtenAt) > YOUNG_WATCH_MS) await deps.watches.remove(watch);
  }
  return schedules;
}

function watchesFolder(schedule: ScheduleRecord, watch: EventWatch): boolean {
  const trigger = schedule.definition.trigger;
  return (
    schedule.definition.status === "Active" &&
    trigger.type === "datastore" &&
    trigger.detection === "events" &&
    trigger.datastoreName === watch.datastoreName &&
    folderPrefix(trigger.pathOnDatastore) === watch.folder
  );
}

async function fireForSchedule(
  deps: BlobEventFiringDependencies,
  schedule: ScheduleRecord,
  entry: FolderEvents,
  now: Date,
): Promise<RunRecord[]> {
  const trigger = schedule.definition.trigger;
  if (trigger.type !== "datastore" || trigger.detection !== "events") return [];
  const baseline = await deps.baselines.of(schedule);
  const fresh = [...entry.changes.values()].filter(
    ({ path, event }) => !isBaselineEvent(baseline, path, event),
  );
  const runs: RunRecord[] = [];
  await forEachConcurrently(fresh, CLAIM_CONCURRENCY, async ({ path, event }) => {
    const changedBlob = { path, etag: event.etag, detectedBy: "event" as const };
    const run = await claimRun(
      deps,
      schedule,
      changedBlobRunInput(entry.datastoreName, trigger.dataPathParameterName, changedBlob, now),
      blobOccurrenceKey(entry.datastoreName, path, event.etag),
      now,
    );
    if (run !== undefined) runs.push(run);
  });
  return runs;
}

/** The baseline of a schedule's current activation, as the event path consults it. */
export interface EventBaselines {
  of(schedule: ScheduleRecord): Promise<EventBaseline>;
}

/** How many activations' baselines one instance keeps in memory. */
const CACHED_BASELINES = 1_000;

/**
 * The baselines of activations, read from the cursor store once per activation: an activation's baseline never
 * changes (a new activation has a new id), so it is kept in memory, the least recently used going first.
 */
export class CachedEventBaselines implements EventBaselines {
  private readonly cache = new Map<string, EventBaseline>();

  constructor(
    private readonly cursors: Pick<FolderCursorStore, "getBaseline">,
    private readonly log: (line: string) => void,
  ) {}

  async of(schedule: ScheduleRecord): Promise<EventBaseline> {
    const key = `${schedule.id} ${schedule.activationId ?? schedule.activatedAt}`;
    const cached = this.cache.get(key);
    if (cached !== undefined) {
      this.cache.delete(key);
      this.cache.set(key, cached);
      return cached;
    }
    const stored =
      schedule.activationId === undefined
        ? undefined
        : await this.cursors.getBaseline(schedule.id, schedule.activationId);
    if (stored === undefined) {
      this.log(
        `schedule ${schedule.id}: the baseline of its activation is not kept; events of blobs written ` +
          `before ${schedule.activatedAt} are taken as the baseline`,
      );
    }
    // Without the listing, the activation's second stands for it, as for schedules activated before listings.
    const baseline = eventBaselineOf(
      stored ?? { watermarkMs: Date.parse(schedule.activatedAt) - EVENT_TIME_MARGIN_MS - 1, seen: [] },
    );
    this.cache.set(key, baseline);
    if (this.cache.size > CACHED_BASELINES) {
      const oldest = this.cache.keys().next().value;
      if (oldest !== undefined) this.cache.delete(oldest);
    }
    return baseline;
  }
}
