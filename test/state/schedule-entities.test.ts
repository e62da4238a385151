import fc from "fast-check";
import { describe, expect, it } from "vitest";
import {
  dueEntity,
  dueEntryFromEntity,
  duePartitionKey,
  dueRange,
  dueRowKey,
  fixedWidthInstant,
  nameEntity,
  recordFromScheduleEntity,
  scheduleEntityFromRecord,
  splitIntoChunks,
} from "../../src/state/schedule-entities.js";
import { scheduleId, scheduleRecord } from "./schedule-fixtures.js";

const MAX_INSTANT_MS = 253_402_300_799_999;

describe("due keys", () => {
  it("are the UTC minute and the fixed-width UTC instant, so that key order is time order", () => {
    expect(duePartitionKey("2026-11-22T11:30:59.999+01:00")).toBe("2026-11-22T10:30");
    expect(dueRowKey("2026-11-22T10:30:00Z", "abc")).toBe("2026-11-22T10:30:00.000Z:abc");
    expect(dueRowKey("2026-11-22T11:30:00.5+01:00", "abc")).toBe("2026-11-22T10:30:00.500Z:abc");
    expect(dueRange(new Date("2026-11-22T10:30:00.000Z"))).toEqual({
      lastPartitionKey: "2026-11-22T10:30",
      lastRowKey: "2026-11-22T10:30:00.000Z~",
    });
  });

  it("put a due row within the range of now exactly when it is due at or before now", () => {
    fc.assert(
      fc.property(
        fc.integer({ min: 0, max: MAX_INSTANT_MS }),
        fc.integer({ min: 0, max: MAX_INSTANT_MS }),
        fc.integer({ min: 0, max: 2 ** 31 }),
        (dueMs, nowMs, n) => {
          const dueAt = new Date(dueMs).toISOString();
          const { lastPartitionKey, lastRowKey } = dueRange(new Date(nowMs));
          const inRange =
            duePartitionKey(dueAt) <= lastPartitionKey && dueRowKey(dueAt, scheduleId(n)) <= lastRowKey;
          expect(inRange).toBe(dueMs <= nowMs);
        },
      ),
    );
  });

  it("put rows of the same minute around now on either side of the range end", () => {
    const { lastRowKey } = dueRange(new Date("2026-11-22T10:30:20.000Z"));
    expect(dueRowKey("2026-11-22T10:30:20.000Z", scheduleId(1)) <= lastRowKey).toBe(true);
    expect(dueRowKey("2026-11-22T10:30:20.001Z", scheduleId(1)) <= lastRowKey).toBe(false);
    expect(dueRowKey("2026-11-22T10:29:59.999Z", scheduleId(1)) <= lastRowKey).toBe(true);
  });

  it("order the same as the instants they hold", () => {
    fc.assert(
      fc.property(
        fc.integer({ min: 0, max: MAX_INSTANT_MS }),
        fc.integer({ min: 0, max: MAX_INSTANT_MS }),
        (a, b) => {
          const [keyA, keyB] = [a, b].map((ms) => dueRowKey(new Date(ms).toISOString(), scheduleId(1)));
          expect(keyA! < keyB!).toBe(a < b);
          const [minuteA, minuteB] = [a, b].map((ms) => duePartitionKey(new Date(ms).toISOString()));
          expect(minuteA! <= minuteB!).toBe(Math.floor(a / 60_000) <= Math.floor(b / 60_000));
        },
      ),
    );
  });

  it("reject text that is not an instant, and years a fixed width cannot hold", () => {
    expect(() => fixedWidthInstant("tomorrow")).toThrow(RangeError);
    expect(() => fixedWidthInstant("+010000-01-01T00:00:00Z")).toThrow(RangeError);
  });
});

describe("splitIntoChunks", () => {
  it("cuts at the length, or one before it to keep a surrogate pair whole", () => {
    expect(splitIntoChunks("abcdefg", 3)).toEqual(["abc", "def", "g"]);
    expect(splitIntoChunks("ab😀cd", 3)).toEqual(["ab", "😀c", "d"]);
    expect(splitIntoChunks("", 3)).toEqual([]);
  });

  it("restores the text when joined, with no chunk longer than the length or split inside a pair", () => {
    fc.assert(
      fc.property(fc.string({ unit: "grapheme" }), fc.integer({ min: 2, max: 10 }), (text, length) => {
        const chunks = splitIntoChunks(text, length);
        expect(chunks.join("")).toBe(text);
        for (const chunk of chunks) {
          expect(chunk.length).toBeGreaterThan(0);
          expect(chunk.length).toBeLessThanOrEqual(length);
          expect(chunk).not.toMatch(/^[\uDC00-\uDFFF]|[\uD800-\uDBFF]$/);
        }
      }),
    );
  });
});

describe("schedule rows", () => {
  it("maps a record to its row with filter columns, and back", () => {
    const record = scheduleRecord(scheduleId(1), {}, { nextRunAt: null });
    const entity = scheduleEntityFromRecord(record);

    expect(entity).toEqual({
      partitionKey: record.id,
      rowKey: "schedule",
      id: record.id,
      name: record.definition.name,
      status: "Active",
      triggerType: "recurrence",
      pipelineId: "aaaaaaaa-bbbb-cccc-dddd-eeeeeeeeeeee",
      definitionChunks: 1,
      definition0: JSON.stringify(record.definition),
      createdAt: "2026-11-21T10:00:00.000Z",
      updatedAt: "2026-11-21T10:05:00.000Z",
      activatedAt: "2026-11-21T10:00:00.000Z",
      dueAt: "2026-11-22T10:30:00.000Z",
    });
    expect(recordFromScheduleEntity(entity, 'W/"1"')).toEqual({ ...record, etag: 'W/"1"' });
  });

  it("writes the pipeline endpoint id column for an endpoint target and chunks a long definition", () => {
    const record = scheduleRecord(scheduleId(2), {
      target: { pipelineEndpointId: "11111111-2222-3333-4444-555555555555" },
      description: "d".repeat(4096),
      parameterAssignments: Object.fromEntries(
        Array.from({ length: 20 }, (_, i) => [`p${i}`, "v".repeat(3000)]),
      ),
    });
    const entity = scheduleEntityFromRecord(record);

    expect(entity.pipelineId).toBeUndefined();
    expect(entity.pipelineEndpointId).toBe("11111111-2222-3333-4444-555555555555");
    expect(entity.definitionChunks).toBe(3);
    expect((entity.definition0 as string).length).toBe(30_000);
    expect(recordFromScheduleEntity(entity, "e")).toEqual({ ...record, etag: "e" });
  });

  it("keeps the activation id of a change-based schedule's baseline, and writes none when there is none", () => {
    const record = { ...scheduleRecord(scheduleId(4)), activationId: "0123456789abcdef" };
    const entity = scheduleEntityFromRecord(record);
    expect(entity.activationId).toBe("0123456789abcdef");
    expect(recordFromScheduleEntity(entity, "e")).toEqual({ ...record, etag: "e" });
    expect(Object.hasOwn(scheduleEntityFromRecord(scheduleRecord(scheduleId(5))), "activationId")).toBe(
      false,
    );
  });

  it("refuses a row without its definition", () => {
    const entity = scheduleEntityFromRecord(scheduleRecord(scheduleId(3)));
    delete entity.definition0;
    expect(() => recordFromScheduleEntity(entity, "e")).toThrow("lacks the text property definition0");
    expect(() => recordFromScheduleEntity({ partitionKey: "x" }, "e")).toThrow("no valid definitionChunks");
  });
});

describe("name and due rows", () => {
  it("hold the schedule id and when they were written", () => {
    const writtenAt = new Date("2026-11-22T09:00:00.000Z");
    expect(nameEntity("nightly", "abc", writtenAt)).toEqual({
      partitionKey: "name:nightly",
      rowKey: "name",
      scheduleId: "abc",
      writtenAt: "2026-11-22T09:00:00.000Z",
    });
    const due = dueEntity("2026-11-22T10:30:00Z", "abc", writtenAt);
    expect(due).toEqual({
      partitionKey: "2026-11-22T10:30",
      rowKey: "2026-11-22T10:30:00.000Z:abc",
      scheduleId: "abc",
      dueAt: "2026-11-22T10:30:00.000Z",
      writtenAt: "2026-11-22T09:00:00.000Z",
    });
    expect(dueEntryFromEntity(due, 'W/"7"')).toEqual({
      scheduleId: "abc",
      dueAt: "2026-11-22T10:30:00.000Z",
      writtenAt: "2026-11-22T09:00:00.000Z",
      etag: 'W/"7"',
    });
  });
});
