import { TableClient } from "@azure/data-tables";
import { describe, expect, it } from "vitest";
import { blobFingerprint, type FolderCursor } from "../../src/datastore/folder-changes.js";
import {
  CursorCapacityError,
  cursorFromEntity,
  cursorToEntity,
  MAX_SEEN_FINGERPRINTS,
  TableFolderCursorStore,
} from "../../src/datastore/folder-cursor-store.js";
import { testStorageConnectionString, uniqueStoragePrefix } from "../support/storage.js";

const cursorWith = (seenCount: number, pendingCheckRunKey: string | null = null): FolderCursor => ({
  activatedAt: "2026-11-21T10:00:00.000Z",
  watermarkMs: Date.parse("2026-11-21T10:04:00.000Z"),
  seen: Array.from({ length: seenCount }, (_, index) => blobFingerprint(`in/${index}`, "0x1")).sort(),
  version: 7,
  pendingCheckRunKey,
});

async function createStore(): Promise<TableFolderCursorStore> {
  const store = new TableFolderCursorStore(
    TableClient.fromConnectionString(testStorageConnectionString(), `${uniqueStoragePrefix()}cursors`, {
      allowInsecureConnection: true,
    }),
  );
  await store.ensureCreated();
  return store;
}

describe("cursor entities", () => {
  it.each([0, 1, 1_999, 2_000, 2_001, MAX_SEEN_FINGERPRINTS])("round-trip %i fingerprints", (count) => {
    const cursor = cursorWith(count, count % 2 === 0 ? null : "check:x:7");
    expect(cursorFromEntity(cursorToEntity("s1", cursor))).toEqual(cursor);
  });

  it("round-trips the activation a cursor counts from", () => {
    const cursor = { ...cursorWith(3), activationId: "0123456789abcdef" };
    expect(cursorFromEntity(cursorToEntity("s1", cursor))).toEqual(cursor);
    expect(cursorToEntity("s1", cursor, "baseline-0123456789abcdef").rowKey).toBe(
      "baseline-0123456789abcdef",
    );
  });

  it("refuses more fingerprints than a row holds", () => {
    expect(() => cursorToEntity("s1", cursorWith(MAX_SEEN_FINGERPRINTS + 1))).toThrow(CursorCapacityError);
  });
});

describe("TableFolderCursorStore (real Azurite)", () => {
  it("saves a full cursor and reads it back", async () => {
    const store = await createStore();
    const cursor = cursorWith(MAX_SEEN_FINGERPRINTS, "check:2026-11-21T10:00:00.000Z:7");
    expect(await store.save("s1", cursor, undefined)).toBeTypeOf("string");
    expect((await store.get("s1"))?.cursor).toEqual(cursor);
  });

  it("lets one of two writers of the same cursor save", async () => {
    const store = await createStore();
    expect(await store.get("s1")).toBeUndefined();
    const first = await store.save("s1", cursorWith(1), undefined);
    expect(first).toBeTypeOf("string");
    expect(await store.save("s1", cursorWith(2), undefined)).toBeUndefined();

    const read = await store.get("s1");
    const second = await store.save("s1", cursorWith(3), read?.etag);
    expect(second).toBeTypeOf("string");
    expect(await store.save("s1", cursorWith(4), read?.etag)).toBeUndefined();
    expect((await store.get("s1"))?.cursor.seen).toHaveLength(3);

    await store.delete("s1");
    expect(await store.get("s1")).toBeUndefined();
    expect(await store.save("s1", cursorWith(5), second)).toBeUndefined();
  });

  it("keeps each activation's baseline in its own row, beside the cursor, and deletes them all with it", async () => {
    const store = await createStore();
    const first = { ...cursorWith(2), activationId: "aaaaaaaaaaaaaaaa", version: 0 };
    const second = { ...cursorWith(MAX_SEEN_FINGERPRINTS), activationId: "bbbbbbbbbbbbbbbb", version: 0 };
    await store.saveBaseline("s1", first);
    await store.saveBaseline("s1", second);
    await store.save("s1", cursorWith(1), undefined);
    expect(await store.getBaseline("s1", first.activationId)).toEqual(first);
    expect(await store.getBaseline("s1", second.activationId)).toEqual(second);
    expect(await store.getBaseline("s2", first.activationId)).toBeUndefined();
    expect((await store.get("s1"))?.cursor).toEqual(cursorWith(1));

    await store.deleteBaseline("s1", first.activationId);
    await store.deleteBaseline("s1", first.activationId);
    expect(await store.getBaseline("s1", first.activationId)).toBeUndefined();
    expect(await store.getBaseline("s1", second.activationId)).toEqual(second);

    await store.delete("s1");
    expect(await store.get("s1")).toBeUndefined();
    expect(await store.getBaseline("s1", second.activationId)).toBeUndefined();
  });
});
