import fc from "fast-check";
import { describe, expect, it } from "vitest";
import {
  dueEntity,
  dueEntryFromEntity,
  dueRangeEnd,
  dueRowKey,
  fixedWidthInstant,
  isTombstone,
  nameEntity,
  recordFromScheduleEntity,
  scheduleEntityFromRecord,
  splitIntoChunks,
  tombstoneEntity,
} from "../../src/state/schedule-entities.js";
import { scheduleId, scheduleRecord } from "./schedule-fixtures.js";

describe("row keys", () => {
  it("writes due keys in fixed-width UTC so that key order is time order", () => {
    expect(dueRowKey("2026-11-22T10:30:00Z", "abc")).toBe("due:2026-11-22T10:30:00.000Z:abc");
    expect(dueRowKey("2026-11-22T11:30:00.5+01:00", "abc")).toBe("due:2026-11-22T10:30:00.500Z:abc");
    expect(dueRangeEnd(new Date("2026-11-22T10:30:00.000Z"))).toBe("due:2026-11-22T10:30:00.000Z~");
  });

  it("puts every due key at or before now within the range end, and every later one after it", () => {
    fc.assert(
      fc.property(
        fc.integer({ min: 0, max: 253_402_300_799_999 }),
        fc.integer({ min: 0, max: 253_402_300_799_999 }),
        fc.integer({ min: 0, max: 2 ** 31 }),
        (dueMs, nowMs, n) => {
          const key = dueRowKey(new Date(dueMs).toISOString(), scheduleId(n));
          const end = dueRangeEnd(new Date(nowMs));
          expect(key <= end).toBe(dueMs <= nowMs);
          expect(key >= "due:").toBe(true);
        },
      ),
    );
  });

  it("rejects text that is not an instant, and years a fixed width cannot hold", () => {
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
      partitionKey: "schedules",
      rowKey: `id:${record.id}`,
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

  it("refuses a row without its definition", () => {
    const entity = scheduleEntityFromRecord(scheduleRecord(scheduleId(3)));
    delete entity.definition0;
    expect(() => recordFromScheduleEntity(entity, "e")).toThrow("lacks the text property definition0");
    expect(() => recordFromScheduleEntity({ rowKey: "id:x" }, "e")).toThrow("no valid definitionChunks");
  });

  it("tells a tombstone from a schedule row", () => {
    expect(isTombstone(tombstoneEntity(scheduleId(4)))).toBe(true);
    expect(isTombstone(scheduleEntityFromRecord(scheduleRecord(scheduleId(4))))).toBe(false);
  });
});

describe("name and due rows", () => {
  it("hold the schedule id", () => {
    expect(nameEntity("nightly", "abc")).toEqual({
      partitionKey: "schedules",
      rowKey: "name:nightly",
      scheduleId: "abc",
    });
    const due = dueEntity("2026-11-22T10:30:00Z", "abc");
    expect(due).toEqual({
      partitionKey: "schedules",
      rowKey: "due:2026-11-22T10:30:00.000Z:abc",
      scheduleId: "abc",
      dueAt: "2026-11-22T10:30:00.000Z",
    });
    expect(dueEntryFromEntity(due)).toEqual({ scheduleId: "abc", dueAt: "2026-11-22T10:30:00.000Z" });
  });
});
