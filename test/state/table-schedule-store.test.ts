import { TableClient } from "@azure/data-tables";
import { describe, expect, it } from "vitest";
import { ConflictError, NotFoundError, PreconditionFailedError, ValidationError } from "../../src/errors.js";
import type { NewScheduleRecord, ScheduleRecord } from "../../src/schedules/record.js";
import { runSchedulingPass } from "../../src/scheduling/scheduling-pass.js";
import { dueEntity, nameEntity, scheduleEntityFromRecord } from "../../src/state/schedule-entities.js";
import type { DueEntry } from "../../src/state/schedule-store.js";
import { TableScheduleStore } from "../../src/state/table-schedule-store.js";
import { createFiringStack } from "../support/firing-stack.js";
import { testStorageConnectionString, uniqueStoragePrefix } from "../support/storage.js";
import { scheduleId, scheduleRecord } from "./schedule-fixtures.js";

const START = new Date("2026-11-21T12:00:00.000Z");

interface StoreUnderTest {
  store: TableScheduleStore;
  schedules: TableClient;
  due: TableClient;
  /** The store's clock: `writtenAt` of the rows it writes, and the one-minute window of writes in progress. */
  clock: { now: Date };
}

async function newStore(): Promise<StoreUnderTest> {
  const prefix = uniqueStoragePrefix();
  const table = (name: string) =>
    TableClient.fromConnectionString(testStorageConnectionString(), `${prefix}${name}`, {
      allowInsecureConnection: true,
    });
  const [schedules, due] = [table("schedules"), table("scheduledue")];
  const clock = { now: START };
  const store = new TableScheduleStore(schedules, due, { clock: () => clock.now });
  await store.ensureCreated();
  return { store, schedules, due, clock };
}

/** Every row of both tables as `partitionKey/rowKey`, sorted. */
async function storedKeys({
  schedules,
  due,
}: StoreUnderTest): Promise<{ schedules: string[]; due: string[] }> {
  const keys = async (table: TableClient) => {
    const found: string[] = [];
    for await (const entity of table.listEntities()) found.push(`${entity.partitionKey}/${entity.rowKey}`);
    return found.sort();
  };
  return { schedules: await keys(schedules), due: await keys(due) };
}

function dueKey(dueAt: string, id: string): string {
  return `${dueAt.slice(0, 16)}/${dueAt}:${id}`;
}

/** The invariant a crash must never break: every schedule with a dueAt has its due row. */
async function expectEveryScheduleIndexed(subject: StoreUnderTest): Promise<void> {
  const { items } = await subject.store.list({ top: 1000 });
  const { due } = await storedKeys(subject);
  for (const record of items) {
    if (record.dueAt !== null) expect(due).toContain(dueKey(record.dueAt, record.id));
  }
}

function dueOnly(entries: DueEntry[]): { scheduleId: string; dueAt: string }[] {
  return entries.map(({ scheduleId, dueAt }) => ({ scheduleId, dueAt }));
}

function later(clock: { now: Date }, ms: number): void {
  clock.now = new Date(clock.now.getTime() + ms);
}

function withoutEtag(record: ScheduleRecord): Omit<ScheduleRecord, "etag"> {
  const { etag: _etag, ...rest } = record;
  return rest;
}

async function settledKinds(promises: Promise<unknown>[]): Promise<string[]> {
  const results = await Promise.allSettled(promises);
  return results
    .map((result) =>
      result.status === "fulfilled" ? "ok" : (result.reason as Error).name || String(result.reason),
    )
    .sort();
}

describe("TableScheduleStore", () => {
  it("round-trips every field, with the table entity's ETag", async () => {
    const subject = await newStore();
    const { store, schedules } = subject;
    const record = scheduleRecord(scheduleId(1));

    const inserted = await store.insert(record);

    const stored = await schedules.getEntity(record.id, "schedule");
    expect(inserted).toEqual({ ...record, etag: stored.etag });
    expect(await store.get(record.id)).toEqual(inserted);
    expect(await store.getByName(record.definition.name)).toEqual(inserted);
    expect(await storedKeys(subject)).toEqual({
      schedules: [`${record.id}/schedule`, `name:${record.definition.name}/name`],
      due: [dueKey("2026-11-22T10:30:00.000Z", record.id)],
    });
  });

  it("keeps null nextRunAt and dueAt, and writes no due row", async () => {
    const subject = await newStore();
    const { store } = subject;
    const record = scheduleRecord(scheduleId(2), { status: "Disabled" }, { nextRunAt: null, dueAt: null });

    await store.insert(record);

    expect(withoutEtag((await store.get(record.id))!)).toEqual(record);
    expect(await storedKeys(subject)).toEqual({
      schedules: [`${record.id}/schedule`, `name:${record.definition.name}/name`],
      due: [],
    });
  });

  it("chunks a definition longer than 64K characters and restores it exactly", async () => {
    const subject = await newStore();
    const { store, schedules } = subject;
    // Emoji are surrogate pairs: a chunk boundary must not split one.
    const description = "😀".repeat(2048);
    const parameterAssignments = Object.fromEntries(
      Array.from({ length: 100 }, (_, index) => [`p${index}`, `${index}:${"é😀x".repeat(200)}`]),
    );
    const record = scheduleRecord(scheduleId(3), { description, parameterAssignments });
    expect(JSON.stringify(record.definition).length).toBeGreaterThan(65_536);

    await store.insert(record);

    const entity = await schedules.getEntity(record.id, "schedule");
    expect(entity.definitionChunks).toBe(3);
    expect(withoutEtag((await store.get(record.id))!)).toEqual(record);
  });

  it("returns undefined for an unknown id or name", async () => {
    const { store } = await newStore();
    expect(await store.get(scheduleId(99))).toBeUndefined();
    expect(await store.getByName("nobody")).toBeUndefined();
  });

  it("treats names case-sensitively", async () => {
    const { store } = await newStore();
    await store.insert(scheduleRecord(scheduleId(1), { name: "Nightly" }));
    await store.insert(scheduleRecord(scheduleId(2), { name: "nightly" }));
    expect((await store.getByName("Nightly"))?.id).toBe(scheduleId(1));
    expect((await store.getByName("nightly"))?.id).toBe(scheduleId(2));
  });

  it("rejects a second schedule with a taken name and writes nothing", async () => {
    const subject = await newStore();
    const { store } = subject;
    await store.insert(scheduleRecord(scheduleId(1), { name: "taken" }));
    const before = await storedKeys(subject);

    await expect(store.insert(scheduleRecord(scheduleId(2), { name: "taken" }))).rejects.toThrow(
      new ConflictError('A schedule named "taken" already exists'),
    );
    expect(await storedKeys(subject)).toEqual(before);
  });

  it("rejects a second schedule with a taken id", async () => {
    const { store } = await newStore();
    await store.insert(scheduleRecord(scheduleId(1), { name: "first" }));

    await expect(store.insert(scheduleRecord(scheduleId(1), { name: "second" }))).rejects.toThrow(
      new ConflictError(`A schedule with id ${scheduleId(1)} already exists`),
    );
    expect(await store.getByName("second")).toBeUndefined();
  });

  it("lets exactly one of 10 parallel inserts of one name succeed", async () => {
    const subject = await newStore();
    const { store } = subject;
    const inserts = Array.from({ length: 10 }, (_, index) =>
      store.insert(scheduleRecord(scheduleId(index + 1), { name: "contended" })),
    );

    const outcomes = await settledKinds(inserts);

    expect(outcomes).toEqual([...Array<string>(9).fill("ConflictError"), "ok"]);
    const winner = await store.getByName("contended");
    expect(winner).toBeDefined();
    expect((await storedKeys(subject)).schedules).toEqual([`${winner!.id}/schedule`, "name:contended/name"]);
  });

  describe("list", () => {
    it("pages through 25 schedules 10 at a time, each id exactly once, ordered by id", async () => {
      const { store } = await newStore();
      const ids = Array.from({ length: 25 }, (_, index) => scheduleId(index + 1));
      for (const id of ids) await store.insert(scheduleRecord(id));

      const pages = [];
      let continuationToken: string | undefined;
      do {
        const page = await store.list({ top: 10, continuationToken });
        pages.push(page.items.map((record) => record.id));
        continuationToken = page.continuationToken;
      } while (continuationToken !== undefined);

      expect(pages.map((page) => page.length)).toEqual([10, 10, 5]);
      expect(pages.flat()).toEqual(ids);
    });

    it("filters by status, pipelineId, pipelineEndpointId and triggerType", async () => {
      const { store } = await newStore();
      const endpointId = "11111111-2222-3333-4444-555555555555";
      const otherPipeline = "99999999-8888-7777-6666-555555555555";
      await store.insert(scheduleRecord(scheduleId(1)));
      await store.insert(scheduleRecord(scheduleId(2), { status: "Disabled" }));
      await store.insert(scheduleRecord(scheduleId(3), { target: { pipelineId: otherPipeline } }));
      await store.insert(
        scheduleRecord(scheduleId(4), { target: { pipelineEndpointId: endpointId, pipelineVersion: "2" } }),
      );
      await store.insert(
        scheduleRecord(scheduleId(5), { trigger: { type: "cron", expression: "0 30 2 * * 1-5" } }),
      );
      await store.insert(
        scheduleRecord(scheduleId(6), {
          trigger: { type: "datastore", datastoreName: "workspaceblobstore" },
        }),
      );
      const ids = async (filters: Parameters<typeof store.list>[0]) =>
        (await store.list(filters)).items.map((record) => record.id);

      expect(await ids({ top: 100 })).toEqual([1, 2, 3, 4, 5, 6].map(scheduleId));
      expect(await ids({ top: 100, status: "Disabled" })).toEqual([scheduleId(2)]);
      expect(await ids({ top: 100, status: "Active" })).toEqual([1, 3, 4, 5, 6].map(scheduleId));
      expect(await ids({ top: 100, pipelineId: otherPipeline })).toEqual([scheduleId(3)]);
      expect(await ids({ top: 100, pipelineEndpointId: endpointId })).toEqual([scheduleId(4)]);
      expect(await ids({ top: 100, triggerType: "cron" })).toEqual([scheduleId(5)]);
      expect(await ids({ top: 100, triggerType: "datastore" })).toEqual([scheduleId(6)]);
      expect(await ids({ top: 100, triggerType: "recurrence", status: "Active" })).toEqual(
        [1, 3, 4].map(scheduleId),
      );
      expect(await ids({ top: 100, pipelineId: "it's 'quoted'" })).toEqual([]);
    });

    it("fills a filtered page across the rows that do not match", async () => {
      const { store } = await newStore();
      for (let n = 1; n <= 12; n++) {
        await store.insert(scheduleRecord(scheduleId(n), { status: n % 4 === 0 ? "Disabled" : "Active" }));
      }

      const first = await store.list({ top: 2, status: "Disabled" });
      const second = await store.list({
        top: 2,
        status: "Disabled",
        continuationToken: first.continuationToken,
      });

      expect(first.items.map((record) => record.id)).toEqual([scheduleId(4), scheduleId(8)]);
      expect(second.items.map((record) => record.id)).toEqual([scheduleId(12)]);
    });

    it("rejects a continuation token it did not issue", async () => {
      const { store } = await newStore();
      await expect(store.list({ top: 10, continuationToken: "bm90LWEtdG9rZW4" })).rejects.toBeInstanceOf(
        ValidationError,
      );
      await expect(store.list({ top: 10, continuationToken: "" })).rejects.toBeInstanceOf(ValidationError);
    });
  });

  describe("replace", () => {
    it("writes the new record with a matching ETag and returns the new ETag", async () => {
      const subject = await newStore();
      const { store, schedules } = subject;
      const inserted = await store.insert(scheduleRecord(scheduleId(1)));
      const next = scheduleRecord(
        scheduleId(1),
        { description: "changed", trigger: { type: "cron", expression: "*/5 * * * *" } },
        { updatedAt: "2026-11-21T11:00:00.000Z" },
      );

      const replaced = await store.replace(inserted, next, inserted.etag);

      expect(replaced).toEqual({ ...next, etag: (await schedules.getEntity(next.id, "schedule")).etag });
      expect(replaced.etag).not.toBe(inserted.etag);
      expect(await store.get(next.id)).toEqual(replaced);
      const again = await store.replace(
        replaced,
        { ...next, updatedAt: "2026-11-21T12:00:00.000Z" },
        replaced.etag,
      );
      expect(again.updatedAt).toBe("2026-11-21T12:00:00.000Z");
    });

    it("drops columns the new record no longer has", async () => {
      const subject = await newStore();
      const { store, schedules } = subject;
      const inserted = await store.insert(scheduleRecord(scheduleId(1)));
      const next = scheduleRecord(scheduleId(1), { target: { endpointUrl: "https://x.api.azureml.ms/p" } });

      await store.replace(inserted, next, "*");

      const entity = await schedules.getEntity(next.id, "schedule");
      expect(entity.pipelineId).toBeUndefined();
      expect(
        (await store.list({ top: 10, pipelineId: "aaaaaaaa-bbbb-cccc-dddd-eeeeeeeeeeee" })).items,
      ).toEqual([]);
    });

    it("rejects a stale ETag and changes nothing", async () => {
      const subject = await newStore();
      const { store } = subject;
      const inserted = await store.insert(scheduleRecord(scheduleId(1)));
      const replaced = await store.replace(
        inserted,
        scheduleRecord(scheduleId(1), { description: "v2" }),
        "*",
      );
      const keysBefore = await storedKeys(subject);

      await expect(
        store.replace(
          inserted,
          scheduleRecord(scheduleId(1), { name: "renamed" }, { dueAt: "2026-12-01T00:00:00.000Z" }),
          inserted.etag,
        ),
      ).rejects.toBeInstanceOf(PreconditionFailedError);
      await expect(
        store.replace(replaced, scheduleRecord(scheduleId(1), { description: "v3" }), inserted.etag),
      ).rejects.toBeInstanceOf(PreconditionFailedError);

      expect(await store.get(scheduleId(1))).toEqual(replaced);
      expect(await storedKeys(subject)).toEqual(keysBefore);
    });

    it("with * replaces whatever is stored, moving the stored name and due rows", async () => {
      const subject = await newStore();
      const { store } = subject;
      const inserted = await store.insert(scheduleRecord(scheduleId(1), { name: "first" }));
      // Someone else renames it and moves dueAt; our copy is stale.
      await store.replace(
        inserted,
        scheduleRecord(scheduleId(1), { name: "second" }, { dueAt: "2026-11-23T00:00:00.000Z" }),
        inserted.etag,
      );

      const replaced = await store.replace(
        inserted,
        scheduleRecord(scheduleId(1), { name: "third" }, { dueAt: "2026-11-24T00:00:00.000Z" }),
        "*",
      );

      expect(replaced.definition.name).toBe("third");
      expect(await storedKeys(subject)).toEqual({
        schedules: [`${scheduleId(1)}/schedule`, "name:third/name"],
        due: [dueKey("2026-11-24T00:00:00.000Z", scheduleId(1))],
      });
    });

    it("renames: the old name is free, the new one resolves", async () => {
      const { store } = await newStore();
      const inserted = await store.insert(scheduleRecord(scheduleId(1), { name: "old-name" }));

      await store.replace(inserted, scheduleRecord(scheduleId(1), { name: "new-name" }), inserted.etag);

      expect(await store.getByName("old-name")).toBeUndefined();
      expect((await store.getByName("new-name"))?.id).toBe(scheduleId(1));
      const reuse = await store.insert(scheduleRecord(scheduleId(2), { name: "old-name" }));
      expect((await store.getByName("old-name"))?.id).toBe(reuse.id);
    });

    it("refuses a rename to a taken name and changes nothing", async () => {
      const subject = await newStore();
      const { store } = subject;
      const first = await store.insert(scheduleRecord(scheduleId(1), { name: "first" }));
      await store.insert(scheduleRecord(scheduleId(2), { name: "second" }));
      const keysBefore = await storedKeys(subject);

      await expect(
        store.replace(
          first,
          scheduleRecord(scheduleId(1), { name: "second" }, { dueAt: "2027-01-01T00:00:00.000Z" }),
          first.etag,
        ),
      ).rejects.toThrow(new ConflictError('A schedule named "second" already exists'));

      expect(await store.get(scheduleId(1))).toEqual(first);
      expect((await store.getByName("second"))?.id).toBe(scheduleId(2));
      expect(await storedKeys(subject)).toEqual(keysBefore);
    });

    it("reports a schedule that is gone as not found", async () => {
      const { store } = await newStore();
      const inserted = await store.insert(scheduleRecord(scheduleId(1)));
      await store.delete(inserted, "*");

      await expect(
        store.replace(inserted, scheduleRecord(scheduleId(1)), inserted.etag),
      ).rejects.toBeInstanceOf(NotFoundError);
      await expect(store.replace(inserted, scheduleRecord(scheduleId(1)), "*")).rejects.toBeInstanceOf(
        NotFoundError,
      );
    });

    it("lets exactly one of two parallel replaces with the same ETag win", async () => {
      const { store } = await newStore();
      const inserted = await store.insert(scheduleRecord(scheduleId(1)));

      const outcomes = await settledKinds([
        store.replace(inserted, scheduleRecord(scheduleId(1), { description: "a" }), inserted.etag),
        store.replace(inserted, scheduleRecord(scheduleId(1), { description: "b" }), inserted.etag),
      ]);

      expect(outcomes).toEqual(["PreconditionFailedError", "ok"]);
      expect(["a", "b"]).toContain((await store.get(scheduleId(1)))?.definition.description);
    });
  });

  describe("delete", () => {
    it("removes the schedule, name and due rows", async () => {
      const subject = await newStore();
      const { store } = subject;
      const kept = await store.insert(scheduleRecord(scheduleId(1)));
      const inserted = await store.insert(scheduleRecord(scheduleId(2)));

      await store.delete(inserted, inserted.etag);

      expect(await store.get(inserted.id)).toBeUndefined();
      expect(await store.getByName(inserted.definition.name)).toBeUndefined();
      expect(await storedKeys(subject)).toEqual({
        schedules: [`${kept.id}/schedule`, `name:${kept.definition.name}/name`],
        due: [dueKey("2026-11-22T10:30:00.000Z", kept.id)],
      });
      await expect(store.delete(inserted, inserted.etag)).rejects.toBeInstanceOf(NotFoundError);
    });

    it("rejects a stale ETag and keeps everything", async () => {
      const subject = await newStore();
      const { store } = subject;
      const inserted = await store.insert(scheduleRecord(scheduleId(1)));
      const replaced = await store.replace(
        inserted,
        scheduleRecord(scheduleId(1), { description: "v2" }),
        "*",
      );
      const keysBefore = await storedKeys(subject);

      await expect(store.delete(inserted, inserted.etag)).rejects.toBeInstanceOf(PreconditionFailedError);

      expect(await store.get(scheduleId(1))).toEqual(replaced);
      expect(await storedKeys(subject)).toEqual(keysBefore);
    });

    it("with * deletes whatever is stored", async () => {
      const subject = await newStore();
      const { store } = subject;
      const inserted = await store.insert(scheduleRecord(scheduleId(1), { name: "before" }));
      await store.replace(
        inserted,
        scheduleRecord(scheduleId(1), { name: "after" }, { dueAt: "2026-12-24T00:00:00.000Z" }),
        "*",
      );

      await store.delete(inserted, "*");

      expect(await storedKeys(subject)).toEqual({ schedules: [], due: [] });
    });
  });

  describe("findDue", () => {
    it("returns exactly the entries due at now, oldest first, reading only them", async () => {
      const subject = await newStore();
      const { store } = subject;
      const now = new Date("2026-11-21T12:00:00.000Z");
      const start = Date.parse("2026-11-20T12:00:00.000Z");
      const records = Array.from({ length: 300 }, (_, index) =>
        // 300 instants 10 minutes apart around `now`; some equal to it; every 7th has no dueAt.
        scheduleRecord(
          scheduleId(index + 1),
          {},
          {
            dueAt:
              index % 7 === 3 ? null : new Date(start + ((index * 37) % 300) * 10 * 60_000).toISOString(),
          },
        ),
      );
      for (const record of records) await store.insert(record);
      const expected = records
        .filter((record) => record.dueAt !== null && Date.parse(record.dueAt) <= now.getTime())
        .map((record) => ({ scheduleId: record.id, dueAt: record.dueAt! }))
        .sort((a, b) => a.dueAt.localeCompare(b.dueAt) || a.scheduleId.localeCompare(b.scheduleId));
      expect(expected.some((entry) => entry.dueAt === now.toISOString())).toBe(true);

      const due = await store.findDue(now, 1000);

      expect(dueOnly(due)).toEqual(expected);
      expect(due.every((entry) => entry.writtenAt === START.toISOString() && entry.etag !== "")).toBe(true);
      expect(dueOnly(await store.findDue(now, 5))).toEqual(expected.slice(0, 5));
      expect(await store.findDue(new Date(start - 1), 10)).toEqual([]);
    });

    it("follows a replace that moves dueAt and a delete", async () => {
      const { store } = await newStore();
      const now = new Date("2026-11-22T12:00:00.000Z");
      const moved = await store.insert(
        scheduleRecord(scheduleId(1), {}, { dueAt: "2026-11-22T10:00:00.000Z" }),
      );
      const deleted = await store.insert(
        scheduleRecord(scheduleId(2), {}, { dueAt: "2026-11-22T11:00:00.000Z" }),
      );
      const disabled = await store.insert(
        scheduleRecord(scheduleId(3), {}, { dueAt: "2026-11-22T11:30:00.000Z" }),
      );

      await store.replace(
        moved,
        scheduleRecord(scheduleId(1), {}, { dueAt: "2026-11-22T13:00:00.000Z" }),
        "*",
      );
      await store.delete(deleted, deleted.etag);
      await store.replace(
        disabled,
        scheduleRecord(scheduleId(3), { status: "Disabled" }, { dueAt: null }),
        "*",
      );

      expect(await store.findDue(now, 100)).toEqual([]);
      expect(dueOnly(await store.findDue(new Date("2026-11-22T13:00:00.000Z"), 100))).toEqual([
        { scheduleId: scheduleId(1), dueAt: "2026-11-22T13:00:00.000Z" },
      ]);
    });
  });

  describe("replace with the due entry findDue read", () => {
    it("moves the due row on that entry's ETag, and leaves a row rewritten since for discardDueEntry", async () => {
      const subject = await newStore();
      const { store, due } = subject;
      const now = new Date("2026-11-22T12:00:00.000Z");
      const first = await store.insert(
        scheduleRecord(scheduleId(1), {}, { dueAt: "2026-11-22T10:00:00.000Z" }),
      );
      const second = await store.insert(
        scheduleRecord(scheduleId(2), {}, { dueAt: "2026-11-22T11:00:00.000Z" }),
      );
      const [firstEntry, secondEntry] = await store.findDue(now, 100);
      expect(firstEntry?.scheduleId).toBe(first.id);
      expect(secondEntry?.scheduleId).toBe(second.id);

      // As read: the old row goes, the new one is there.
      await store.replace(
        first,
        scheduleRecord(scheduleId(1), {}, { dueAt: "2026-11-23T10:00:00.000Z" }),
        first.etag,
        firstEntry,
      );
      // The second's row is written again after findDue read it: its old ETag must not remove it.
      const [partitionKey, rowKey] = dueKey(second.dueAt ?? "", second.id).split("/");
      await due.updateEntity(
        { partitionKey: partitionKey ?? "", rowKey: rowKey ?? "", rewritten: true },
        "Merge",
      );
      await store.replace(
        second,
        scheduleRecord(scheduleId(2), {}, { dueAt: "2026-11-23T11:00:00.000Z" }),
        second.etag,
        secondEntry,
      );

      expect((await storedKeys(subject)).due).toEqual(
        [
          dueKey("2026-11-22T11:00:00.000Z", second.id),
          dueKey("2026-11-23T10:00:00.000Z", first.id),
          dueKey("2026-11-23T11:00:00.000Z", second.id),
        ].sort(),
      );
      await expectEveryScheduleIndexed(subject);
      // The row left behind no longer matches its schedule: a later pass discards it.
      const [leftBehind] = await store.findDue(now, 100);
      expect(leftBehind).toMatchObject({ scheduleId: second.id, dueAt: "2026-11-22T11:00:00.000Z" });
      subject.clock.now = new Date(Date.now() + 3_600_000);
      if (leftBehind !== undefined) await store.discardDueEntry(leftBehind);
      expect(await store.findDue(now, 100)).toEqual([]);
    });
  });

  describe("ping", () => {
    it("resolves while storage answers and rejects when the table is gone", async () => {
      const { store, schedules, due } = await newStore();
      await expect(store.ping()).resolves.toBeUndefined();
      await due.deleteTable();
      await expect(store.ping()).rejects.toThrow();
      await expect(store.get(scheduleId(1))).resolves.toBeUndefined();
      await schedules.deleteTable();
      await expect(store.get(scheduleId(1))).rejects.toThrow();
    });

    it("rejects when nothing listens", async () => {
      const table = new TableClient("http://127.0.0.1:9/devstoreaccount1", "absent", {
        allowInsecureConnection: true,
        retryOptions: { maxRetries: 0 },
      });
      await expect(new TableScheduleStore(table, table).ping()).rejects.toThrow();
    });
  });
});

/** The rows a write would have written by the time it crashed, written straight into the tables. */
const crashAfter = {
  async nameRow(subject: StoreUnderTest, name: string, id: string): Promise<void> {
    await subject.schedules.createEntity(nameEntity(name, id, subject.clock.now));
  },
  async dueRow(subject: StoreUnderTest, dueAt: string, id: string): Promise<void> {
    await subject.due.createEntity(dueEntity(dueAt, id, subject.clock.now));
  },
  async scheduleRowReplaced(subject: StoreUnderTest, current: ScheduleRecord, next: NewScheduleRecord) {
    await subject.schedules.updateEntity(scheduleEntityFromRecord(next), "Replace", { etag: current.etag });
  },
};

describe("TableScheduleStore after a crash between the steps of a write", () => {
  describe("insert", () => {
    it("after the name row: the name is blocked for a minute, then taken over", async () => {
      const subject = await newStore();
      const { store, clock } = subject;
      await crashAfter.nameRow(subject, "orphan", scheduleId(1));

      expect(await store.getByName("orphan")).toBeUndefined();
      later(clock, 58_500);
      const held = await store
        .insert(scheduleRecord(scheduleId(2), { name: "orphan" }))
        .catch((e: unknown) => e);
      // 1.5 s are left of the minute: retry after 2 s, not 1, so that the retry finds the name free.
      expect(held).toEqual(
        new ConflictError(
          'The name "orphan" is held by an unfinished write (a create or rename in progress, or stopped by a ' +
            "crash); it is released 60 s after that write began, unless the write completes",
          2,
        ),
      );
      later(clock, 2_500);
      const taker = await store.insert(scheduleRecord(scheduleId(2), { name: "orphan" }));

      expect(await store.getByName("orphan")).toEqual(taker);
      expect((await subject.schedules.getEntity("name:orphan", "name")).scheduleId).toBe(scheduleId(2));
      await expectEveryScheduleIndexed(subject);
    });

    it("after the due row: findDue returns the entry, and it is discarded only once a minute old", async () => {
      const subject = await newStore();
      const { store, clock } = subject;
      const dueAt = "2026-11-21T11:00:00.000Z";
      await crashAfter.nameRow(subject, "orphan", scheduleId(1));
      await crashAfter.dueRow(subject, dueAt, scheduleId(1));

      const [entry] = await store.findDue(clock.now, 10);
      expect(dueOnly([entry!])).toEqual([{ scheduleId: scheduleId(1), dueAt }]);
      later(clock, 30_000);
      await store.discardDueEntry(entry!);
      expect((await storedKeys(subject)).due).toEqual([dueKey(dueAt, scheduleId(1))]);
      later(clock, 31_000);
      await store.discardDueEntry(entry!);
      expect((await storedKeys(subject)).due).toEqual([]);
      expect(await store.get(scheduleId(1))).toBeUndefined();
    });

    it("undoes the name and due rows when the schedule row cannot be written", async () => {
      const subject = await newStore();
      const { store } = subject;
      await store.insert(scheduleRecord(scheduleId(1), { name: "first" }));
      const before = await storedKeys(subject);

      await expect(
        store.insert(
          scheduleRecord(scheduleId(1), { name: "second" }, { dueAt: "2026-12-01T00:00:00.000Z" }),
        ),
      ).rejects.toThrow(new ConflictError(`A schedule with id ${scheduleId(1)} already exists`));

      expect(await storedKeys(subject)).toEqual(before);
    });
  });

  describe("replace", () => {
    it("after the new name row: the schedule keeps its name, retries the rename, others wait a minute", async () => {
      const subject = await newStore();
      const { store, clock } = subject;
      const inserted = await store.insert(scheduleRecord(scheduleId(1), { name: "old" }));
      await crashAfter.nameRow(subject, "new", inserted.id);

      expect((await store.getByName("old"))?.id).toBe(inserted.id);
      expect(await store.getByName("new")).toBeUndefined();
      await expect(store.insert(scheduleRecord(scheduleId(2), { name: "new" }))).rejects.toBeInstanceOf(
        ConflictError,
      );
      const renamed = await store.replace(
        inserted,
        scheduleRecord(inserted.id, { name: "new" }),
        inserted.etag,
      );

      expect(await store.getByName("new")).toEqual(renamed);
      expect(await store.getByName("old")).toBeUndefined();
      later(clock, 120_000);
      await expect(store.insert(scheduleRecord(scheduleId(2), { name: "new" }))).rejects.toBeInstanceOf(
        ConflictError,
      );
    });

    it("after the new due row: the schedule keeps its due row, and the new one is discarded when stale", async () => {
      const subject = await newStore();
      const { store, clock } = subject;
      const inserted = await store.insert(
        scheduleRecord(scheduleId(1), {}, { dueAt: "2026-11-21T11:00:00.000Z" }),
      );
      await crashAfter.dueRow(subject, "2026-11-21T11:30:00.000Z", inserted.id);
      await expectEveryScheduleIndexed(subject);

      const entries = await store.findDue(clock.now, 10);
      expect(dueOnly(entries).map((entry) => entry.dueAt)).toEqual([
        "2026-11-21T11:00:00.000Z",
        "2026-11-21T11:30:00.000Z",
      ]);
      later(clock, 61_000);
      await store.discardDueEntry(entries[1]!);

      expect((await storedKeys(subject)).due).toEqual([dueKey("2026-11-21T11:00:00.000Z", inserted.id)]);
      await expectEveryScheduleIndexed(subject);
    });

    it("after the schedule row: the old name is free after a minute and the old due row is discarded", async () => {
      const subject = await newStore();
      const { store, clock } = subject;
      const inserted = await store.insert(
        scheduleRecord(scheduleId(1), { name: "old" }, { dueAt: "2026-11-21T11:00:00.000Z" }),
      );
      const next = scheduleRecord(scheduleId(1), { name: "new" }, { dueAt: "2026-11-21T11:30:00.000Z" });
      await crashAfter.nameRow(subject, "new", inserted.id);
      await crashAfter.dueRow(subject, next.dueAt!, inserted.id);
      await crashAfter.scheduleRowReplaced(subject, inserted, next);

      expect((await store.getByName("new"))?.id).toBe(inserted.id);
      expect(await store.getByName("old")).toBeUndefined();
      await expectEveryScheduleIndexed(subject);
      later(clock, 61_000);
      const [stale, current] = await store.findDue(clock.now, 10);
      await store.discardDueEntry(stale!);
      const taker = await store.insert(scheduleRecord(scheduleId(2), { name: "old" }, { dueAt: null }));

      expect(dueOnly([current!])).toEqual([{ scheduleId: inserted.id, dueAt: next.dueAt }]);
      expect((await storedKeys(subject)).due).toEqual([dueKey(next.dueAt!, inserted.id)]);
      expect(await store.getByName("old")).toEqual(taker);
      expect((await store.getByName("new"))?.id).toBe(inserted.id);
    });

    it("undoes the new name and due rows when the ETag does not match", async () => {
      const subject = await newStore();
      const { store } = subject;
      const inserted = await store.insert(scheduleRecord(scheduleId(1), { name: "old" }));
      await store.replace(inserted, scheduleRecord(scheduleId(1), { name: "old", description: "v2" }), "*");
      const before = await storedKeys(subject);

      await expect(
        store.replace(
          inserted,
          scheduleRecord(scheduleId(1), { name: "new" }, { dueAt: "2026-12-01T00:00:00.000Z" }),
          inserted.etag,
        ),
      ).rejects.toBeInstanceOf(PreconditionFailedError);

      expect(await storedKeys(subject)).toEqual(before);
      expect(await store.getByName("new")).toBeUndefined();
    });
  });

  describe("delete", () => {
    it("after the schedule row: the name is taken over and the due row discarded", async () => {
      const subject = await newStore();
      const { store, clock } = subject;
      const inserted = await store.insert(
        scheduleRecord(scheduleId(1), { name: "gone" }, { dueAt: "2026-11-21T11:00:00.000Z" }),
      );
      await subject.schedules.deleteEntity(inserted.id, "schedule", { etag: inserted.etag });

      expect(await store.getByName("gone")).toBeUndefined();
      later(clock, 61_000);
      const [stale] = await store.findDue(clock.now, 10);
      await store.discardDueEntry(stale!);
      const taker = await store.insert(scheduleRecord(scheduleId(2), { name: "gone" }, { dueAt: null }));

      expect(await store.getByName("gone")).toEqual(taker);
      expect(await storedKeys(subject)).toEqual({
        schedules: [`${taker.id}/schedule`, "name:gone/name"],
        due: [],
      });
    });
  });
});

describe("TableScheduleStore under concurrent writes", () => {
  it("lets exactly one of two parallel renames to one name win", async () => {
    const subject = await newStore();
    const { store } = subject;
    const first = await store.insert(scheduleRecord(scheduleId(1), { name: "a" }));
    const second = await store.insert(scheduleRecord(scheduleId(2), { name: "b" }));

    const outcomes = await settledKinds([
      store.replace(first, scheduleRecord(scheduleId(1), { name: "wanted" }), first.etag),
      store.replace(second, scheduleRecord(scheduleId(2), { name: "wanted" }), second.etag),
    ]);

    expect(outcomes).toEqual(["ConflictError", "ok"]);
    const winner = await store.getByName("wanted");
    const loser = winner?.id === first.id ? second : first;
    expect([first.id, second.id]).toContain(winner?.id);
    expect(await store.get(loser.id)).toEqual(loser);
    expect(await store.getByName(loser.definition.name)).toEqual(loser);
    expect((await storedKeys(subject)).schedules.filter((key) => key.startsWith("name:"))).toEqual(
      ["name:wanted/name", `name:${loser.definition.name}/name`].sort(),
    );
  });

  it("keeps the due row when two passes advance one schedule to the same instant", async () => {
    for (let round = 0; round < 5; round++) {
      const subject = await newStore();
      const { store } = subject;
      const inserted = await store.insert(
        scheduleRecord(scheduleId(1), {}, { dueAt: "2026-11-21T11:00:00.000Z" }),
      );
      const advanced = scheduleRecord(scheduleId(1), {}, { dueAt: "2026-11-22T11:00:00.000Z" });

      const outcomes = await settledKinds([
        store.replace(inserted, advanced, inserted.etag),
        store.replace(inserted, advanced, inserted.etag),
      ]);

      expect(outcomes).toEqual(["PreconditionFailedError", "ok"]);
      expect((await storedKeys(subject)).due).toEqual([dueKey("2026-11-22T11:00:00.000Z", inserted.id)]);
    }
  });

  it("does not discard an entry that a write claimed again after findDue read it", async () => {
    const subject = await newStore();
    const { store, clock } = subject;
    const inserted = await store.insert(
      scheduleRecord(scheduleId(1), {}, { dueAt: "2026-11-21T11:00:00.000Z" }),
    );
    await crashAfter.dueRow(subject, "2026-11-21T11:30:00.000Z", inserted.id);
    later(clock, 61_000);
    const stale = (await store.findDue(clock.now, 10))[1]!;

    await store.replace(inserted, scheduleRecord(scheduleId(1), {}, { dueAt: stale.dueAt }), inserted.etag);
    await store.discardDueEntry(stale);

    expect((await storedKeys(subject)).due).toEqual([dueKey(stale.dueAt, inserted.id)]);
    await expectEveryScheduleIndexed(subject);
  });
});

describe("TableScheduleStore.findDue over minute partitions", () => {
  it("returns exactly what is due, an hour of outage included, oldest first, at most `limit`", async () => {
    const { store } = await newStore();
    const now = new Date("2026-11-21T12:00:30.000Z");
    const offsetsSeconds = [-3600, -3599, -1800, -61, -60, -31, -30.001, -1, 0, 0.001, 29, 30, 90, 3600];
    const records = offsetsSeconds.map((offset, index) =>
      scheduleRecord(
        scheduleId(100 - index),
        {},
        { dueAt: new Date(now.getTime() + offset * 1000).toISOString() },
      ),
    );
    for (const record of records) await store.insert(record);
    const expected = records
      .filter((record) => Date.parse(record.dueAt!) <= now.getTime())
      .map((record) => ({ scheduleId: record.id, dueAt: record.dueAt! }));
    expect(new Set(expected.map((entry) => entry.dueAt.slice(0, 16))).size).toBe(4);

    expect(dueOnly(await store.findDue(now, 100))).toEqual(expected);
    expect(dueOnly(await store.findDue(now, 4))).toEqual(expected.slice(0, 4));
    expect(dueOnly(await store.findDue(new Date(now.getTime() - 3_600_001), 100))).toEqual([]);
  });
});

describe("a scheduling pass over entries a crash left behind", () => {
  it("fires the schedule behind an older stale entry, discards old stale entries, keeps young ones", async () => {
    const stack = await createFiringStack();
    const subject = await newStore();
    const { store, clock } = subject;
    const now = new Date("2026-11-22T10:31:00.000Z");
    clock.now = new Date(now.getTime() - 30_000);
    const live = await store.insert(
      scheduleRecord(scheduleId(1), { target: { endpointUrl: "https://x.api.azureml.ms/p" } }),
    );
    // Written half a minute ago: a write may still be under way.
    await crashAfter.dueRow(subject, "2026-11-22T10:00:00.000Z", live.id);
    await crashAfter.dueRow(subject, "2026-11-22T10:05:00.000Z", scheduleId(2));
    // Written two minutes ago: left by a crash.
    clock.now = new Date(now.getTime() - 120_000);
    await crashAfter.dueRow(subject, "2026-11-22T09:00:00.000Z", scheduleId(3));
    clock.now = now;

    const { runs } = await runSchedulingPass({ ...stack.scheduling, schedules: store }, now);

    expect(runs.map((run) => [run.scheduleId, run.scheduledFor])).toEqual([
      [live.id, "2026-11-22T10:30:00.000Z"],
    ]);
    expect((await store.get(live.id))?.dueAt).toBe("2026-11-23T10:30:00.000Z");
    expect((await storedKeys(subject)).due).toEqual([
      dueKey("2026-11-22T10:00:00.000Z", live.id),
      dueKey("2026-11-22T10:05:00.000Z", scheduleId(2)),
      dueKey("2026-11-23T10:30:00.000Z", live.id),
    ]);
  });
});
