import type { RunRecord } from "../runs/run-record.js";
import { detectionOf } from "../recurrence/trigger-schema.js";
import type { ScheduleRecord } from "../schedules/record.js";
import { forEachConcurrently } from "../concurrency.js";
import type { ScheduleStore } from "../state/schedule-store.js";
import type { DatastoreRecord } from "./datastore-record.js";
import type { DatastoreRegistry } from "./datastore-registry.js";
import { blobOccurrenceKey, changedBlobRunInput, claimRun, type ChangeRunDependencies } from "./blob-runs.js";
import {
  baselineCursor,
  baselineFromListing,
  detectFolderChanges,
  folderPrefix,
  isCursorOfActivation,
  type FolderActivation,
  type FolderChange,
  type FolderCursor,
  type FolderListing,
} from "./folder-changes.js";
import type { FolderCursorStore } from "./folder-cursor-store.js";
import { DatastoreConfigurationError } from "./folder-listing.js";

export interface FolderCheckDependencies extends ChangeRunDependencies {
  schedules: Pick<ScheduleStore, "get">;
  datastores: Pick<DatastoreRegistry, "get">;
  cursors: FolderCursorStore;
  /** The direct children of `prefix` in the datastore's container, with the service's time. */
  listFolder(datastore: DatastoreRecord, prefix: string): Promise<FolderListing>;
  log(line: string): void;
  /** A run that failed before any POST ended (the overlap and failure policies, notifications). */
  runEnded?(run: RunRecord): Promise<void>;
}

/** How many runs of one check are created at once. */
const CONCURRENCY = 16;

/**
 * One check of a change-based schedule's folder (CONTRACT 2.3), as of `now`; answers the runs it created.
 *
 * Never miss, never repeat: with `dataPathParameterName` the runs are created before the cursor is saved, each
 * claiming the occurrence key (datastore, path, ETag), so a check repeated after a crash or run concurrently
 * creates each run once. Without it, the one run of a check is owed by the cursor that covers its changes (saved
 * first, conditionally, so one of two concurrent checks wins) and created right after; a crash in between leaves
 * the debt in the cursor for the next check to pay.
 */
export async function checkFolder(
  deps: FolderCheckDependencies,
  scheduleId: string,
  now: Date,
): Promise<RunRecord[]> {
  const schedule = await deps.schedules.get(scheduleId);
  const trigger = schedule?.definition.trigger;
  if (!schedule || trigger?.type !== "datastore" || schedule.definition.status !== "Active") return [];
  const datastore = await deps.datastores.get(trigger.datastoreName);
  if (!datastore) {
    deps.log(
      `schedule ${schedule.id}: datastore ${trigger.datastoreName} is not registered; folder not checked`,
    );
    return [];
  }
  const stored = await deps.cursors.get(schedule.id);
  const start = await startingCursor(deps, schedule, stored?.cursor);
  let etag = stored?.etag;

  const created: RunRecord[] = [];
  // A run owed by a check that crashed after saving its cursor, even one of an earlier activation.
  const owedKey = stored?.cursor.pendingCheckRunKey ?? null;
  if (owedKey !== null) {
    const owed = await claimRun(deps, schedule, { scheduledFor: now, reason: "datastore" }, owedKey, now);
    if (owed) created.push(owed);
  }

  let listing: FolderListing;
  try {
    listing = await deps.listFolder(datastore, folderPrefix(trigger.pathOnDatastore));
  } catch (error) {
    if (!(error instanceof DatastoreConfigurationError)) throw error;
    deps.log(`schedule ${schedule.id}: folder not checked: ${error.message}`);
    return created;
  }
  const { changes, next } =
    start.cursor === undefined
      ? { changes: [], next: baselineFromListing(activationOf(schedule), listing) }
      : detectFolderChanges(start.cursor, listing);
  let adopting = start.adoptsBaseline;
  const save = async (cursor: FolderCursor, expectedEtag: string | undefined) => {
    const saved = await saveOrYield(deps, schedule, cursor, expectedEtag);
    // Once the cursor counts from this activation, its baseline row has served: state stays one row. In events
    // mode the event path still reads it, so only the baselines of earlier activations go.
    if (saved !== undefined && adopting) {
      adopting = false;
      await dropBaseline(deps, schedule, eventsMode(schedule));
    }
    return saved;
  };

  const parameterName = trigger.dataPathParameterName;
  if (parameterName !== undefined) {
    created.push(...(await claimBlobRuns(deps, schedule, datastore.name, parameterName, changes, now)));
    await save(next, etag);
    return created;
  }
  if (changes.length === 0) {
    await save(next, etag);
    return created;
  }
  const runKey = `check:${schedule.activatedAt}:${next.version}`;
  etag = await save({ ...next, pendingCheckRunKey: runKey }, etag);
  if (etag === undefined) return created;
  const run = await claimRun(deps, schedule, { scheduledFor: now, reason: "datastore" }, runKey, now);
  if (run) created.push(run);
  await save(next, etag);
  return created;
}

interface StartingCursor {
  /** Undefined when the activation's baseline is gone: the check then fires nothing and starts over. */
  cursor: FolderCursor | undefined;
  /** Whether the cursor is the baseline row of the activation, to be removed once a cursor is saved. */
  adoptsBaseline: boolean;
}

/**
 * Where a check starts: the stored cursor when it counts from the schedule's current activation; else the
 * baseline that activation saved (CONTRACT 2.3: what was in the folder at creation or re-enabling does not fire);
 * else, for a schedule activated before activations listed the folder, the activation's second.
 */
async function startingCursor(
  deps: FolderCheckDependencies,
  schedule: ScheduleRecord,
  stored: FolderCursor | undefined,
): Promise<StartingCursor> {
  const activation = activationOf(schedule);
  if (stored !== undefined && isCursorOfActivation(stored, activation)) {
    return { cursor: stored, adoptsBaseline: false };
  }
  if (activation.activationId === undefined) {
    return { cursor: baselineCursor(schedule.activatedAt), adoptsBaseline: false };
  }
  const baseline = await deps.cursors.getBaseline(schedule.id, activation.activationId);
  if (baseline === undefined) {
    // A concurrent first check took it up and removed it (this check's save will then yield), or it was lost.
    deps.log(
      `schedule ${schedule.id}: the baseline of activation ${activation.activationId} is gone; ` +
        "this check fires nothing and takes its listing as the baseline",
    );
  }
  return { cursor: baseline, adoptsBaseline: baseline !== undefined };
}

function activationOf(schedule: ScheduleRecord): FolderActivation {
  return schedule.activationId === undefined
    ? { activatedAt: schedule.activatedAt }
    : { activatedAt: schedule.activatedAt, activationId: schedule.activationId };
}

async function dropBaseline(
  deps: FolderCheckDependencies,
  schedule: ScheduleRecord,
  keepCurrent: boolean,
): Promise<void> {
  if (schedule.activationId === undefined) return;
  try {
    if (keepCurrent) await deps.cursors.deleteOtherBaselines(schedule.id, schedule.activationId);
    else await deps.cursors.deleteBaseline(schedule.id, schedule.activationId);
  } catch (error) {
    deps.log(
      `schedule ${schedule.id}: its used baseline row stays until the schedule is deleted: ${String(error)}`,
    );
  }
}

function claimBlobRuns(
  deps: FolderCheckDependencies,
  schedule: ScheduleRecord,
  datastoreName: string,
  parameterName: string,
  changes: readonly FolderChange[],
  now: Date,
): Promise<RunRecord[]> {
  const runs: (RunRecord | undefined)[] = new Array<RunRecord | undefined>(changes.length);
  const indexed = changes.map((change, index) => ({ change, index }));
  // In events mode the run says which path found the change; what an event fired, the listing cannot claim again.
  const detectedBy = eventsMode(schedule) ? { detectedBy: "listing" as const } : {};
  return forEachConcurrently(indexed, CONCURRENCY, async ({ change, index }) => {
    const changedBlob = { path: change.path, etag: change.etag, ...detectedBy };
    runs[index] = await claimRun(
      deps,
      schedule,
      changedBlobRunInput(datastoreName, parameterName, changedBlob, now),
      blobOccurrenceKey(datastoreName, change.path, change.etag),
      now,
    );
  }).then(() => runs.filter((run) => run !== undefined));
}

function eventsMode(schedule: ScheduleRecord): boolean {
  const trigger = schedule.definition.trigger;
  return trigger.type === "datastore" && detectionOf(trigger) === "events";
}

/** Saves the cursor if no other check saved since it was read; answers the new ETag, or undefined if one did. */
async function saveOrYield(
  deps: FolderCheckDependencies,
  schedule: ScheduleRecord,
  cursor: FolderCursor,
  etag: string | undefined,
): Promise<string | undefined> {
  const saved = await deps.cursors.save(schedule.id, cursor, etag);
  if (saved === undefined) deps.log(`schedule ${schedule.id}: another check of its folder saved first`);
  return saved;
}
