import { createHash } from "node:crypto";

/**
 * What a folder check decides (CONTRACT 2.3), as pure functions of a listing, a cursor and the storage service's
 * clock. The cursor is a watermark on Last-Modified plus the fingerprints of the (name, ETag) pairs above it that
 * were already handled, so its size follows the recent changes, never the number of blobs in the folder.
 */

/** One direct child of the watched folder, as the listing returned it. */
export interface ListedBlob {
  /** Container-relative path. */
  name: string;
  etag: string;
  /** Last-Modified in epoch ms; the service gives whole seconds. */
  lastModifiedMs: number;
}

export interface FolderListing {
  blobs: readonly ListedBlob[];
  /** The storage service's clock when the listing started: the `Date` header of its first page, in epoch ms. */
  serviceTimeMs: number;
}

/** One activation of a change-based schedule (creation, re-enabling, trigger change), as its record names it. */
export interface FolderActivation {
  /** The activation instant, whole seconds: two activations may share it. */
  activatedAt: string;
  /** Set when the activation saved a listing of the folder as its baseline; tells two activations apart. */
  activationId?: string;
}

export interface FolderCursor extends FolderActivation {
  /** Every direct child whose Last-Modified is at or before this (epoch ms) has fired or is baseline. */
  watermarkMs: number;
  /** Sorted fingerprints of the (name, ETag) pairs above the watermark that have fired or are baseline. */
  seen: readonly string[];
  /** Counts the saves of this activation's cursor; names the run of a one-run-per-check schedule. */
  version: number;
  /**
   * The occurrence key of a one-run-per-check run that this cursor's changes are owed to: written with the
   * cursor that covers them, cleared once the run exists, so a crash in between loses nothing.
   */
  pendingCheckRunKey: string | null;
}

export interface FolderChange {
  path: string;
  etag: string;
}

export interface FolderChanges {
  /** New or changed blobs, in listing (name) order, each once. */
  changes: FolderChange[];
  next: FolderCursor;
}

/**
 * How far the watermark stays behind the service's clock. A blob missing from a listing was committed after the
 * listing started, so its Last-Modified is later than (first page's Date - margin) as long as the margin covers
 * the first page's time in flight, the whole-second rounding of both headers and clock skew inside the service.
 */
export const WATERMARK_MARGIN_MS = 60_000;

/** Fingerprint length: 96 bits of SHA-256, so that a collision (a missed fire) is out of reach. */
export const FINGERPRINT_LENGTH = 16;

/**
 * The cursor of a schedule activated at `activatedAt` (whole seconds) without a baseline listing (activated before
 * activations listed the folder): blobs last modified before that second are the baseline, and a blob in that
 * second fires, whether it was written just before the activation or just after.
 */
export function baselineCursor(activatedAt: string): FolderCursor {
  return {
    activatedAt,
    watermarkMs: Date.parse(activatedAt) - 1,
    seen: [],
    version: 0,
    pendingCheckRunKey: null,
  };
}

/**
 * The cursor of an activation that listed the folder before it was answered (CONTRACT 2.3): everything the listing
 * shows is the baseline, so no blob written before the activation request fires, in its second too; a blob written
 * after the answer was not listed (or was listed with another ETag) and is above the watermark, so it fires. The
 * listing, not a clock, decides: the watermark is set from the storage service's clock as a check sets it.
 */
export function baselineFromListing<Activation extends FolderActivation>(
  activation: Activation,
  listing: FolderListing,
  marginMs = WATERMARK_MARGIN_MS,
): FolderCursor & Activation {
  const watermarkMs = watermarkAfter(listing, marginMs);
  const seen = new Set<string>();
  for (const blob of listing.blobs) {
    if (blob.lastModifiedMs > watermarkMs) seen.add(blobFingerprint(blob.name, blob.etag));
  }
  return {
    ...activation,
    watermarkMs,
    seen: [...seen].sort(),
    version: 0,
    pendingCheckRunKey: null,
  };
}

/** Whether a stored cursor counts from this activation of the schedule, not an earlier one (even in its second). */
export function isCursorOfActivation(cursor: FolderCursor, activation: FolderActivation): boolean {
  return cursor.activatedAt === activation.activatedAt && cursor.activationId === activation.activationId;
}

/** The fired or baseline state of one (name, ETag) pair, in 16 base64url characters. */
export function blobFingerprint(name: string, etag: string): string {
  return createHash("sha256")
    .update(JSON.stringify([name, etag]))
    .digest("base64url")
    .slice(0, FINGERPRINT_LENGTH);
}

/**
 * The changes a listing shows against a cursor, and the cursor that records them. A blob fires when it is above
 * the watermark and its (name, ETag) was not handled before; the watermark moves to the service time less the
 * margin (never back), and only the pairs above the new watermark are kept.
 */
export function detectFolderChanges(
  cursor: FolderCursor,
  listing: FolderListing,
  marginMs = WATERMARK_MARGIN_MS,
): FolderChanges {
  const seen = new Set(cursor.seen);
  const watermarkMs = Math.max(cursor.watermarkMs, watermarkAfter(listing, marginMs));
  const changes: FolderChange[] = [];
  const fired = new Set<string>();
  const nextSeen = new Set<string>();
  for (const blob of listing.blobs) {
    if (blob.lastModifiedMs <= cursor.watermarkMs) continue;
    const fingerprint = blobFingerprint(blob.name, blob.etag);
    if (!seen.has(fingerprint) && !fired.has(fingerprint)) {
      fired.add(fingerprint);
      changes.push({ path: blob.name, etag: blob.etag });
    }
    if (blob.lastModifiedMs > watermarkMs) nextSeen.add(fingerprint);
  }
  return {
    changes,
    next: {
      activatedAt: cursor.activatedAt,
      ...(cursor.activationId === undefined ? {} : { activationId: cursor.activationId }),
      watermarkMs,
      seen: [...nextSeen].sort(),
      version: cursor.version + 1,
      pendingCheckRunKey: null,
    },
  };
}

/** The watermark a listing allows: its service second less the margin. */
function watermarkAfter(listing: FolderListing, marginMs: number): number {
  return Math.floor(listing.serviceTimeMs / 1000) * 1000 - marginMs;
}

/**
 * The listing prefix of `pathOnDatastore`: the container root when absent or empty, else the folder with one
 * trailing `/` (CONTRACT 2.3: a trailing `/` changes nothing).
 */
export function folderPrefix(pathOnDatastore: string | undefined): string {
  const folder = (pathOnDatastore ?? "").replace(/\/+$/, "");
  return folder === "" ? "" : `${folder}/`;
}

/**
 * When a change-based schedule is next checked after a check at `now`: the next multiple of the polling interval
 * after its activation, strictly after `now`, so checks keep their cadence however late a pass ran.
 */
export function nextFolderCheckAt(activatedAt: string, pollingIntervalMinutes: number, now: Date): Date {
  const start = Date.parse(activatedAt);
  const intervalMs = pollingIntervalMinutes * 60_000;
  const elapsed = now.getTime() - start;
  const periods = elapsed < 0 ? 1 : Math.floor(elapsed / intervalMs) + 1;
  return new Date(start + periods * intervalMs);
}
