import { TableClient } from "@azure/data-tables";
import fc from "fast-check";
import { describe, expect, it } from "vitest";
import { locateRun, newRunId } from "../../src/runs/run-ids.js";
import { newPendingRun } from "../../src/runs/run-record.js";
import { TableRunStore } from "../../src/runs/table-run-store.js";
import { testStorageConnectionString, uniqueStoragePrefix } from "../support/storage.js";

/**
 * Run ids work for every instant a schedule may fire at (CONTRACT 2.1: up to 9999-12-31), list newest first in
 * RowKey order across 2286-11-20, where thirteen inverted digits end, and the ids made before stay readable.
 */

const SCHEDULE_ID = "0123456789abcdef0123456789abcdef";
/** The last instant of thirteen inverted digits, and the last one ISO 8601 text with a four-digit year carries. */
const LAST_SHORT = "2286-11-20T17:46:39.999Z";
const LATEST = "9999-12-31T23:59:59.999Z";

function rowKeyAt(iso: string | number): string {
  return locateRun(newRunId(SCHEDULE_ID, new Date(iso)))?.rowKey ?? "";
}

describe("run ids", () => {
  it("keep their form until 2286-11-20 and gain a longer one after, both readable", () => {
    expect(newRunId(SCHEDULE_ID, new Date("2026-11-21T10:00:00.000Z"))).toMatch(
      new RegExp(`^${SCHEDULE_ID}-8204744799999[0-9a-f]{8}$`),
    );
    expect(newRunId(SCHEDULE_ID, new Date(LAST_SHORT))).toMatch(
      new RegExp(`^${SCHEDULE_ID}-0{13}[0-9a-f]{8}$`),
    );
    const after = newRunId(null, new Date("2286-11-20T17:46:40.000Z"));
    expect(after).toMatch(/^api--989999999999999[0-9a-f]{8}$/);
    expect(locateRun(after)).toEqual({ partitionKey: "api", rowKey: `run:${after.slice(4)}` });
    expect(locateRun(newRunId(SCHEDULE_ID, new Date(LATEST)))?.partitionKey).toBe(`s_${SCHEDULE_ID}`);
    // An id made before this change is read as it always was.
    expect(locateRun(`${SCHEDULE_ID}-8235266399999a1b2c3d4`)).toEqual({
      partitionKey: `s_${SCHEDULE_ID}`,
      rowKey: "run:8235266399999a1b2c3d4",
    });
    expect(locateRun(`${SCHEDULE_ID}--12a1b2c3d4`)).toBeUndefined();
  });

  it("sort newer first for every pair of instants from 1970 to 9999", () => {
    const instantArb = fc.oneof(
      fc.integer({ min: 0, max: Date.parse(LATEST) }),
      fc.integer({ min: Date.parse(LAST_SHORT) - 5000, max: Date.parse(LAST_SHORT) + 5000 }),
    );
    fc.assert(
      fc.property(instantArb, instantArb, (first, second) => {
        fc.pre(first < second);
        expect(rowKeyAt(second) < rowKeyAt(first)).toBe(true);
      }),
      { numRuns: 2000 },
    );
  });

  it("refuses an instant no id can carry, saying so", () => {
    expect(() => newRunId(SCHEDULE_ID, new Date("1969-12-31T23:59:59Z"))).toThrow(RangeError);
    expect(() => newRunId(SCHEDULE_ID, new Date(Number.NaN))).toThrow(RangeError);
  });

  it("list newest first in Table storage across 2286-11-20", async () => {
    const prefix = uniqueStoragePrefix();
    const table = (name: string) =>
      TableClient.fromConnectionString(testStorageConnectionString(), `${prefix}${name}`, {
        allowInsecureConnection: true,
      });
    const store = new TableRunStore(table("runs"), table("unsettled"));
    await store.ensureCreated();
    const instants = [
      "2026-11-21T10:00:00.000Z",
      "2286-11-20T17:46:39.000Z",
      LAST_SHORT,
      "2286-11-20T17:46:40.000Z",
      "2286-11-20T17:46:41.000Z",
      LATEST,
    ];
    for (const createdAt of instants) {
      const run = newPendingRun({
        id: newRunId(SCHEDULE_ID, new Date(createdAt)),
        scheduleId: SCHEDULE_ID,
        scheduleName: "far-future",
        reason: "recurrence",
        scheduledFor: createdAt,
        createdAt,
        request: {},
        endpointUrl: "https://westeurope.api.azureml.ms/pipelines/x",
      });
      expect((await store.create(run, createdAt)).created).toBe(true);
      expect((await store.get(run.id))?.createdAt).toBe(createdAt);
    }
    const page = await store.listForSchedule(SCHEDULE_ID, 100);
    expect(page.items.map((run) => run.createdAt)).toEqual([...instants].reverse());
  });
});
