import { describe, expect, it } from "vitest";
import {
  baselineCursor,
  baselineFromListing,
  blobFingerprint,
  detectFolderChanges,
  folderPrefix,
  isCursorOfActivation,
  nextFolderCheckAt,
  WATERMARK_MARGIN_MS,
  type FolderCursor,
  type ListedBlob,
} from "../../src/datastore/folder-changes.js";

const ACTIVATED = "2026-11-21T10:00:00.000Z";
const at = (iso: string) => Date.parse(iso);
const blob = (name: string, etag: string, lastModified: string): ListedBlob => ({
  name,
  etag,
  lastModifiedMs: at(lastModified),
});

describe("baselineCursor", () => {
  it("puts the watermark just before the activation second", () => {
    expect(baselineCursor(ACTIVATED)).toEqual({
      activatedAt: ACTIVATED,
      watermarkMs: at(ACTIVATED) - 1,
      seen: [],
      version: 0,
      pendingCheckRunKey: null,
    });
  });
});

describe("baselineFromListing", () => {
  const activation = { activatedAt: ACTIVATED, activationId: "0123456789abcdef" };
  // Listed at 10:00:00.700 by the service's clock: the activation request came in the same second.
  const listing = {
    blobs: [
      blob("in/old.csv", "0x1", "2026-11-21T09:58:59.000Z"),
      blob("in/recent.csv", "0x2", "2026-11-21T09:59:30.000Z"),
      blob("in/same-second.csv", "0x3", "2026-11-21T10:00:00.000Z"),
    ],
    serviceTimeMs: at("2026-11-21T10:00:00.700Z"),
  };

  it("keeps the listing's pairs above the watermark the listing allows, for this activation", () => {
    expect(baselineFromListing(activation, listing)).toEqual({
      activatedAt: ACTIVATED,
      activationId: "0123456789abcdef",
      watermarkMs: at("2026-11-21T10:00:00.000Z") - WATERMARK_MARGIN_MS,
      seen: [blobFingerprint("in/recent.csv", "0x2"), blobFingerprint("in/same-second.csv", "0x3")].sort(),
      version: 0,
      pendingCheckRunKey: null,
    });
  });

  it("fires nothing it listed, in the activation second too, and every pair written after it", () => {
    const baseline = baselineFromListing(activation, listing);
    const { changes, next } = detectFolderChanges(baseline, {
      blobs: [
        ...listing.blobs,
        // Written after the answer, in the activation's second: a new blob, and a new ETag of a listed one.
        blob("in/after.csv", "0x4", "2026-11-21T10:00:00.000Z"),
        blob("in/recent.csv", "0x5", "2026-11-21T10:00:00.000Z"),
      ],
      serviceTimeMs: at("2026-11-21T10:05:00.200Z"),
    });
    expect(changes).toEqual([
      { path: "in/after.csv", etag: "0x4" },
      { path: "in/recent.csv", etag: "0x5" },
    ]);
    expect(next.activationId).toBe("0123456789abcdef");
    expect(next.version).toBe(1);
  });

  it("compared with the activation's second alone, fires the same-second blob written before it", () => {
    const { changes } = detectFolderChanges(baselineCursor(ACTIVATED), {
      ...listing,
      serviceTimeMs: at("2026-11-21T10:05:00.200Z"),
    });
    expect(changes).toEqual([{ path: "in/same-second.csv", etag: "0x3" }]);
  });
});

describe("isCursorOfActivation", () => {
  const cursor = (activatedAt: string, activationId?: string): FolderCursor => ({
    ...baselineCursor(activatedAt),
    ...(activationId === undefined ? {} : { activationId }),
  });

  it("tells two activations in one second apart by their ids", () => {
    expect(
      isCursorOfActivation(cursor(ACTIVATED, "a1"), { activatedAt: ACTIVATED, activationId: "a1" }),
    ).toBe(true);
    expect(
      isCursorOfActivation(cursor(ACTIVATED, "a1"), { activatedAt: ACTIVATED, activationId: "a2" }),
    ).toBe(false);
    expect(isCursorOfActivation(cursor(ACTIVATED, "a1"), { activatedAt: ACTIVATED })).toBe(false);
    expect(isCursorOfActivation(cursor(ACTIVATED), { activatedAt: ACTIVATED, activationId: "a1" })).toBe(
      false,
    );
  });

  it("matches by the activation second alone for a schedule activated without a baseline listing", () => {
    expect(isCursorOfActivation(cursor(ACTIVATED), { activatedAt: ACTIVATED })).toBe(true);
    expect(isCursorOfActivation(cursor(ACTIVATED), { activatedAt: "2026-11-21T10:00:01.000Z" })).toBe(false);
  });
});

describe("detectFolderChanges", () => {
  const first = (blobs: ListedBlob[], service = "2026-11-21T10:05:00.400Z") =>
    detectFolderChanges(baselineCursor(ACTIVATED), { blobs, serviceTimeMs: at(service) });

  it("does not fire the baseline, and fires a blob modified in the activation second or later", () => {
    const { changes } = first([
      blob("in/old.csv", "0x1", "2026-11-21T09:59:59.000Z"),
      blob("in/same-second.csv", "0x2", "2026-11-21T10:00:00.000Z"),
      blob("in/new.csv", "0x3", "2026-11-21T10:03:00.000Z"),
    ]);
    expect(changes).toEqual([
      { path: "in/same-second.csv", etag: "0x2" },
      { path: "in/new.csv", etag: "0x3" },
    ]);
  });

  it("moves the watermark to the service second less the margin and keeps only the pairs above it", () => {
    const { next } = first([
      blob("in/a.csv", "0xA", "2026-11-21T10:03:00.000Z"),
      blob("in/b.csv", "0xB", "2026-11-21T10:04:30.000Z"),
    ]);
    expect(next.watermarkMs).toBe(at("2026-11-21T10:05:00.000Z") - WATERMARK_MARGIN_MS);
    expect(next.seen).toEqual([blobFingerprint("in/b.csv", "0xB")]);
    expect(next.version).toBe(1);
    expect(next.activatedAt).toBe(ACTIVATED);
  });

  it("never moves the watermark back when the service clock does", () => {
    const cursor: FolderCursor = {
      ...baselineCursor(ACTIVATED),
      watermarkMs: at("2026-11-21T11:00:00.000Z"),
    };
    const { next } = detectFolderChanges(cursor, {
      blobs: [],
      serviceTimeMs: at("2026-11-21T10:30:00.000Z"),
    });
    expect(next.watermarkMs).toBe(at("2026-11-21T11:00:00.000Z"));
  });

  it("fires an unchanged blob once, an overwrite again, and nothing for a deletion", () => {
    const a1 = blob("in/a.csv", "0xA1", "2026-11-21T10:04:50.000Z");
    const b = blob("in/b.csv", "0xB", "2026-11-21T10:04:55.000Z");
    const check1 = first([a1, b]);
    expect(check1.changes.map((change) => change.path)).toEqual(["in/a.csv", "in/b.csv"]);

    const check2 = detectFolderChanges(check1.next, {
      blobs: [a1, b],
      serviceTimeMs: at("2026-11-21T10:05:30.000Z"),
    });
    expect(check2.changes).toEqual([]);

    const a2 = blob("in/a.csv", "0xA2", "2026-11-21T10:05:40.000Z");
    const check3 = detectFolderChanges(check2.next, {
      blobs: [a2],
      serviceTimeMs: at("2026-11-21T10:06:00.000Z"),
    });
    expect(check3.changes).toEqual([{ path: "in/a.csv", etag: "0xA2" }]);
    expect(check3.next.seen).toEqual([blobFingerprint("in/a.csv", "0xA2")]);
  });

  it("fires a pair listed twice once", () => {
    const twice = blob("in/a.csv", "0xA", "2026-11-21T10:04:00.000Z");
    expect(first([twice, twice]).changes).toEqual([{ path: "in/a.csv", etag: "0xA" }]);
  });

  it("does not fire a blob at or below the watermark even when its pair is not in seen", () => {
    const cursor: FolderCursor = {
      ...baselineCursor(ACTIVATED),
      watermarkMs: at("2026-11-21T10:10:00.000Z"),
      version: 4,
    };
    const { changes, next } = detectFolderChanges(cursor, {
      blobs: [
        blob("in/a.csv", "0xA", "2026-11-21T10:10:00.000Z"),
        blob("in/b.csv", "0xB", "2026-11-21T10:10:01.000Z"),
      ],
      serviceTimeMs: at("2026-11-21T10:10:30.000Z"),
    });
    expect(changes).toEqual([{ path: "in/b.csv", etag: "0xB" }]);
    expect(next.version).toBe(5);
    expect(next.watermarkMs).toBe(at("2026-11-21T10:10:00.000Z"));
    expect(next.seen).toEqual([blobFingerprint("in/b.csv", "0xB")]);
  });

  it("clears a pending check run in the next cursor", () => {
    const cursor: FolderCursor = { ...baselineCursor(ACTIVATED), pendingCheckRunKey: "check:x:1" };
    const { next } = detectFolderChanges(cursor, {
      blobs: [],
      serviceTimeMs: at("2026-11-21T10:05:00.000Z"),
    });
    expect(next.pendingCheckRunKey).toBeNull();
  });
});

describe("blobFingerprint", () => {
  it("is 16 characters, and differs for a different name or ETag", () => {
    const fingerprint = blobFingerprint("in/a.csv", "0xA");
    expect(fingerprint).toMatch(/^[A-Za-z0-9_-]{16}$/);
    expect(blobFingerprint("in/a.csv", "0xA")).toBe(fingerprint);
    expect(blobFingerprint("in/a.csv", "0xB")).not.toBe(fingerprint);
    expect(blobFingerprint("in/a.csvx", "0xA")).not.toBe(fingerprint);
  });
});

describe("folderPrefix", () => {
  it.each([
    [undefined, ""],
    ["", ""],
    ["incoming", "incoming/"],
    ["incoming/", "incoming/"],
    ["incoming/daily", "incoming/daily/"],
    ["incoming/daily/", "incoming/daily/"],
  ])("%s lists %s", (path, prefix) => {
    expect(folderPrefix(path)).toBe(prefix);
  });
});

describe("nextFolderCheckAt", () => {
  it("is the next multiple of the polling interval after activation, strictly after now", () => {
    expect(nextFolderCheckAt(ACTIVATED, 5, new Date("2026-11-21T10:05:00.000Z")).toISOString()).toBe(
      "2026-11-21T10:10:00.000Z",
    );
    expect(nextFolderCheckAt(ACTIVATED, 5, new Date("2026-11-21T10:05:00.001Z")).toISOString()).toBe(
      "2026-11-21T10:10:00.000Z",
    );
    expect(nextFolderCheckAt(ACTIVATED, 5, new Date("2026-11-21T11:17:42.000Z")).toISOString()).toBe(
      "2026-11-21T11:20:00.000Z",
    );
    expect(nextFolderCheckAt(ACTIVATED, 1440, new Date("2026-11-21T09:00:00.000Z")).toISOString()).toBe(
      "2026-11-22T10:00:00.000Z",
    );
  });
});
