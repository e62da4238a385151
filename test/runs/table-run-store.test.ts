import { TableClient } from "@azure/data-tables";
import { beforeEach, describe, expect, it } from "vitest";
import { PreconditionFailedError } from "../../src/errors.js";
import { newRunId } from "../../src/runs/run-ids.js";
import { newPendingRun, type NewRunRecord } from "../../src/runs/run-record.js";
import { TableRunStore } from "../../src/runs/table-run-store.js";
import { testStorageConnectionString, uniqueStoragePrefix } from "../support/storage.js";

const SCHEDULE_ID = "0123456789abcdef0123456789abcdef";

function newRun(createdAt: Date, overrides: Partial<NewRunRecord> = {}): NewRunRecord {
  return {
    ...newPendingRun({
      id: newRunId(SCHEDULE_ID, createdAt),
      scheduleId: SCHEDULE_ID,
      scheduleName: "nightly",
      reason: "recurrence",
      scheduledFor: createdAt.toISOString(),
      createdAt: createdAt.toISOString(),
      request: { ExperimentName: "exp", ParameterAssignments: { big: "x".repeat(70_000) } },
      endpointUrl: "https://westeurope.api.azureml.ms/pipelines/x",
    }),
    ...overrides,
  };
}

describe("TableRunStore", () => {
  let store: TableRunStore;
  beforeEach(async () => {
    const prefix = uniqueStoragePrefix();
    const table = (name: string) =>
      TableClient.fromConnectionString(testStorageConnectionString(), `${prefix}${name}`, {
        allowInsecureConnection: true,
      });
    store = new TableRunStore(table("runs"), table("unsettled"));
    await store.ensureCreated();
  });

  it("creates a run and reads every field back, including a request over 64K characters", async () => {
    const run = newRun(new Date("2026-11-21T10:00:00.000Z"), {
      changedBlob: { path: "incoming/a.csv", etag: '"0x1"' },
    });
    const result = await store.create(run, "2026-11-21T10:00:00.000Z");
    expect(result.created).toBe(true);
    const stored = await store.get(run.id);
    expect(stored).toMatchObject({ ...run, etag: expect.any(String) as string });
    expect(stored?.request).toEqual(run.request);
  });

  it("claims an occurrence once: a second create with the same key reports the first run", async () => {
    const first = newRun(new Date("2026-11-21T10:00:00.000Z"));
    const second = newRun(new Date("2026-11-21T10:00:01.000Z"));
    const results = await Promise.all([store.create(first, "occ-1"), store.create(second, "occ-1")]);
    const created = results.filter((result) => result.created);
    expect(created).toHaveLength(1);
    const loser = results.find((result) => !result.created);
    const winnerId = created[0]?.created ? created[0].run.id : "";
    expect(loser).toEqual({ created: false, existingRunId: winnerId });
    expect(await store.listUnsettled(new Date("2030-01-01T00:00:00Z"), 10)).toEqual([winnerId]);
  });

  it("hashes occurrence keys holding characters a RowKey forbids", async () => {
    const run = newRun(new Date("2026-11-21T10:00:00.000Z"));
    expect((await store.create(run, "blob:incoming/a#b?.csv:0x1")).created).toBe(true);
    const again = newRun(new Date("2026-11-21T10:00:02.000Z"));
    expect(await store.create(again, "blob:incoming/a#b?.csv:0x1")).toEqual({
      created: false,
      existingRunId: run.id,
    });
  });

  it("updates conditionally on the ETag", async () => {
    const run = newRun(new Date("2026-11-21T10:00:00.000Z"));
    const created = await store.create(run);
    if (!created.created) throw new Error("not created");
    const updated = await store.update({
      ...created.run,
      status: "Submitted",
      attempts: 1,
      pipelineRunId: "abc",
    });
    expect(updated.etag).not.toBe(created.run.etag);
    await expect(store.update({ ...created.run, status: "Failed" })).rejects.toBeInstanceOf(
      PreconditionFailedError,
    );
    expect((await store.get(run.id))?.status).toBe("Submitted");
  });

  it("lists a schedule's runs newest first, paged", async () => {
    const ids: string[] = [];
    for (let minute = 0; minute < 5; minute++) {
      const run = newRun(new Date(Date.UTC(2026, 10, 21, 10, minute)), { request: {} });
      ids.push(run.id);
      await store.create(run);
    }
    const first = await store.listForSchedule(SCHEDULE_ID, 3);
    expect(first.items.map((run) => run.id)).toEqual(ids.slice(2).reverse());
    const second = await store.listForSchedule(SCHEDULE_ID, 3, first.continuationToken);
    expect(second.items.map((run) => run.id)).toEqual(ids.slice(0, 2).reverse());
    expect((await store.latestForSchedule(SCHEDULE_ID))?.id).toBe(ids[4]);
  });

  it("keeps unsettled runs listed until they are marked settled, and records the tick", async () => {
    const run = newRun(new Date("2026-11-21T10:00:00.000Z"), { request: {} });
    await store.create(run);
    expect(await store.listUnsettled(new Date("2026-11-21T10:01:59.000Z"), 10)).toEqual([]);
    expect(await store.listUnsettled(new Date("2026-11-21T10:02:00.000Z"), 10)).toEqual([run.id]);
    await store.postponeCheck(run.id, new Date("2026-11-21T10:05:00.000Z"));
    expect(await store.listUnsettled(new Date("2026-11-21T10:04:00.000Z"), 10)).toEqual([]);
    expect(await store.listUnsettled(new Date("2026-11-21T10:05:00.000Z"), 10)).toEqual([run.id]);
    await store.markSettled(run.id);
    await store.markSettled(run.id);
    expect(await store.listUnsettled(new Date("2026-11-21T11:00:00.000Z"), 10)).toEqual([]);
    expect(await store.lastTickAt()).toBeNull();
    await store.recordTick(new Date("2026-11-21T10:02:00.000Z"));
    expect(await store.lastTickAt()).toEqual(new Date("2026-11-21T10:02:00.000Z"));
  });
});
