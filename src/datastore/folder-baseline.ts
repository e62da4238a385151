import { ServiceUnavailableError, ValidationError } from "../errors.js";
import type { DatastoreTrigger } from "../recurrence/trigger-schema.js";
import type { FolderBaselineActivation, FolderBaselines } from "../schedule-management/schedule-service.js";
import type { DatastoreRecord } from "./datastore-record.js";
import type { DatastoreRegistry } from "./datastore-registry.js";
import { baselineFromListing, folderPrefix, type FolderListing } from "./folder-changes.js";
import { CursorCapacityError, type FolderCursorStore } from "./folder-cursor-store.js";
import type { EventWatchIndex } from "./event-watch-index.js";
import { DatastoreConfigurationError } from "./folder-listing.js";

export interface FolderBaselineDependencies {
  datastores: Pick<DatastoreRegistry, "get">;
  cursors: Pick<FolderCursorStore, "saveBaseline" | "deleteBaseline">;
  /** The direct children of `prefix` in the datastore's container, with the service's time. */
  listFolder(datastore: DatastoreRecord, prefix: string): Promise<FolderListing>;
  /** Where an events-mode activation records the folder it watches, for the event path to find it by. */
  eventWatches: Pick<EventWatchIndex, "add">;
}

/** How long a caller should wait before activating again after storage could not be listed. */
const RETRY_AFTER_SECONDS = 60;

/** The baselines of activations, over the datastore registry, the folder listing and the cursor store. */
export function folderBaselines(deps: FolderBaselineDependencies): FolderBaselines {
  return {
    save: (scheduleId, trigger, activation) => saveFolderBaseline(deps, scheduleId, trigger, activation),
    discard: (scheduleId, activationId) => deps.cursors.deleteBaseline(scheduleId, activationId),
  };
}

/**
 * Lists the folder of an activation and saves all it shows as the activation's baseline (CONTRACT 2.3). When the
 * folder cannot be listed nothing is saved, and the activation is refused with a problem that names the datastore.
 */
export async function saveFolderBaseline(
  deps: FolderBaselineDependencies,
  scheduleId: string,
  trigger: DatastoreTrigger,
  activation: FolderBaselineActivation,
): Promise<void> {
  const datastore = await deps.datastores.get(trigger.datastoreName);
  if (!datastore) {
    throw ValidationError.single(
      "trigger.datastoreName",
      `no datastore named ${trigger.datastoreName} is registered`,
    );
  }
  const folder = folderPrefix(trigger.pathOnDatastore);
  let listing: FolderListing;
  try {
    listing = await deps.listFolder(datastore, folder);
  } catch (error) {
    throw unlistable(datastore, folder, error);
  }
  try {
    await deps.cursors.saveBaseline(scheduleId, baselineFromListing(activation, listing));
  } catch (error) {
    if (!(error instanceof CursorCapacityError)) throw error;
    throw new ServiceUnavailableError(
      `The folder "${folder}" of datastore ${datastore.name} changed too much in the last minute for its ` +
        `baseline to be kept (${error.message}); nothing was saved. Try again once the uploads slow down.`,
      RETRY_AFTER_SECONDS,
    );
  }
  // Last, right before the schedule write names the activation: a row the event path finds while the schedule
  // does not watch the folder yet is kept for a minute, which covers that write, not a listing.
  if (trigger.detection === "events") await deps.eventWatches.add(datastore.name, folder, scheduleId);
}

/**
 * Why a folder could not be listed, as the caller's problem: a 400 on `trigger.datastoreName` when the datastore
 * as registered does not give a listing (its setting is missing, the container does not exist, access is
 * denied: storage answered 4xx), a 503 when storage could not be reached or failed (5xx, 408, 429, network).
 */
export function unlistable(datastore: DatastoreRecord, folder: string, error: unknown): Error {
  const where = `datastore ${datastore.name} (container ${datastore.containerName}, folder "${folder}")`;
  if (error instanceof DatastoreConfigurationError) {
    return ValidationError.single(
      "trigger.datastoreName",
      `${where} cannot be listed: ${error.message}; nothing was saved`,
    );
  }
  const { statusCode, code } = (error ?? {}) as { statusCode?: unknown; code?: unknown };
  const codeText = typeof code === "string" ? code : "";
  // Only the status and the error code: a message may quote a URL, and a SAS in it is a secret.
  const said =
    typeof statusCode === "number"
      ? `storage answered ${statusCode} ${codeText}`.trimEnd()
      : codeText || (error instanceof Error ? error.name : "no answer");
  const refused = typeof statusCode === "number" && statusCode >= 400 && statusCode < 500;
  if (refused && statusCode !== 408 && statusCode !== 429) {
    return ValidationError.single(
      "trigger.datastoreName",
      `${where} cannot be listed: ${said}; nothing was saved`,
    );
  }
  return new ServiceUnavailableError(
    `${where} could not be listed: ${said}; nothing was saved. Try again later.`,
    RETRY_AFTER_SECONDS,
  );
}
