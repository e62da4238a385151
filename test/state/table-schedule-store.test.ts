import { TableClient } from "@azure/data-tables";
import { describe, expect, it } from "vitest";
import { ConflictError, NotFoundError, PreconditionFailedError, ValidationError } from "../../src/errors.js";
import type { ScheduleRecord } from "../../src/schedules/record.js";
import { TableScheduleStore } from "../../src/state/table-schedule-store.js";
import { testStorageConnectionString, uniqueStoragePrefix } from "../support/storage.js";
import { scheduleId, scheduleRecord } from "./schedule-fixtures.js";

async function newStore(): Promise<{ store: TableScheduleStore; table: TableClient }> {
  const table = TableClient.fromConnectionString(
    testStorageConnectionString(),
    `${uniqueStoragePrefix()}schedules`,
    { allowInsecureConnection: true },
  );
  const store = new TableScheduleStore(table);
  await store.ensureCreated();
  return { store, table };
}

async function rowKeys(table: TableClient): Promise<string[]> {
  const keys: string[] = [];
  for await (const entity of table.listEntities()) keys.push(entity.rowKey ?? "");
  return keys.sort();
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
    const { store, table } = await newStore();
    const record = scheduleRecord(scheduleId(1));

    const inserted = await store.insert(record);

    const stored = await table.getEntity("schedules", `id:${record.id}`);
    expect(inserted).toEqual({ ...record, etag: stored.etag });
    expect(await store.get(record.id)).toEqual(inserted);
    expect(await store.getByName(record.definition.name)).toEqual(inserted);
    expect(await rowKeys(table)).toEqual([
      `due:2026-11-22T10:30:00.000Z:${record.id}`,
      `id:${record.id}`,
      `name:${record.definition.name}`,
    ]);
  });

  it("keeps null nextRunAt and dueAt, and writes no due row", async () => {
    const { store, table } = await newStore();
    const record = scheduleRecord(scheduleId(2), { status: "Disabled" }, { nextRunAt: null, dueAt: null });

    await store.insert(record);

    expect(withoutEtag((await store.get(record.id))!)).toEqual(record);
    expect(await rowKeys(table)).toEqual([`id:${record.id}`, `name:${record.definition.name}`]);
  });

  it("chunks a definition longer than 64K characters and restores it exactly", async () => {
    const { store, table } = await newStore();
    // Emoji are surrogate pairs: a chunk boundary must not split one.
    const description = "😀".repeat(2048);
    const parameterAssignments = Object.fromEntries(
      Array.from({ length: 100 }, (_, index) => [`p${index}`, `${index}:${"é😀x".repeat(200)}`]),
    );
    const record = scheduleRecord(scheduleId(3), { description, parameterAssignments });
    expect(JSON.stringify(record.definition).length).toBeGreaterThan(65_536);

    await store.insert(record);

    const entity = await table.getEntity("schedules", `id:${record.id}`);
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
    const { store, table } = await newStore();
    await store.insert(scheduleRecord(scheduleId(1), { name: "taken" }));
    const before = await rowKeys(table);

    await expect(store.insert(scheduleRecord(scheduleId(2), { name: "taken" }))).rejects.toThrow(
      new ConflictError('A schedule named "taken" already exists'),
    );
    expect(await rowKeys(table)).toEqual(before);
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
    const { store, table } = await newStore();
    const inserts = Array.from({ length: 10 }, (_, index) =>
      store.insert(scheduleRecord(scheduleId(index + 1), { name: "contended" })),
    );

    const outcomes = await settledKinds(inserts);

    expect(outcomes).toEqual([...Array<string>(9).fill("ConflictError"), "ok"]);
    const winner = await store.getByName("contended");
    expect(winner).toBeDefined();
    expect((await rowKeys(table)).filter((key) => key.startsWith("id:"))).toEqual([`id:${winner!.id}`]);
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
      const { store, table } = await newStore();
      const inserted = await store.insert(scheduleRecord(scheduleId(1)));
      const next = scheduleRecord(
        scheduleId(1),
        { description: "changed", trigger: { type: "cron", expression: "*/5 * * * *" } },
        { updatedAt: "2026-11-21T11:00:00.000Z" },
      );

      const replaced = await store.replace(inserted, next, inserted.etag);

      expect(replaced).toEqual({ ...next, etag: (await table.getEntity("schedules", `id:${next.id}`)).etag });
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
      const { store, table } = await newStore();
      const inserted = await store.insert(scheduleRecord(scheduleId(1)));
      const next = scheduleRecord(scheduleId(1), { target: { endpointUrl: "https://x.api.azureml.ms/p" } });

      await store.replace(inserted, next, "*");

      const entity = await table.getEntity("schedules", `id:${next.id}`);
      expect(entity.pipelineId).toBeUndefined();
      expect(
        (await store.list({ top: 10, pipelineId: "aaaaaaaa-bbbb-cccc-dddd-eeeeeeeeeeee" })).items,
      ).toEqual([]);
    });

    it("rejects a stale ETag and changes nothing", async () => {
      const { store, table } = await newStore();
      const inserted = await store.insert(scheduleRecord(scheduleId(1)));
      const replaced = await store.replace(
        inserted,
        scheduleRecord(scheduleId(1), { description: "v2" }),
        "*",
      );
      const keysBefore = await rowKeys(table);

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
      expect(await rowKeys(table)).toEqual(keysBefore);
    });

    it("with * replaces whatever is stored, moving the stored name and due rows", async () => {
      const { store, table } = await newStore();
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
      expect(await rowKeys(table)).toEqual([
        `due:2026-11-24T00:00:00.000Z:${scheduleId(1)}`,
        `id:${scheduleId(1)}`,
        "name:third",
      ]);
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
      const { store, table } = await newStore();
      const first = await store.insert(scheduleRecord(scheduleId(1), { name: "first" }));
      await store.insert(scheduleRecord(scheduleId(2), { name: "second" }));
      const keysBefore = await rowKeys(table);

      await expect(
        store.replace(
          first,
          scheduleRecord(scheduleId(1), { name: "second" }, { dueAt: "2027-01-01T00:00:00.000Z" }),
          first.etag,
        ),
      ).rejects.toThrow(new ConflictError('A schedule named "second" already exists'));

      expect(await store.get(scheduleId(1))).toEqual(first);
      expect((await store.getByName("second"))?.id).toBe(scheduleId(2));
      expect(await rowKeys(table)).toEqual(keysBefore);
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
      const { store, table } = await newStore();
      const kept = await store.insert(scheduleRecord(scheduleId(1)));
      const inserted = await store.insert(scheduleRecord(scheduleId(2)));

      await store.delete(inserted, inserted.etag);

      expect(await store.get(inserted.id)).toBeUndefined();
      expect(await store.getByName(inserted.definition.name)).toBeUndefined();
      expect(await rowKeys(table)).toEqual([
        `due:2026-11-22T10:30:00.000Z:${kept.id}`,
        `id:${kept.id}`,
        `name:${kept.definition.name}`,
      ]);
      await expect(store.delete(inserted, inserted.etag)).rejects.toBeInstanceOf(NotFoundError);
    });

    it("rejects a stale ETag and keeps everything", async () => {
      const { store, table } = await newStore();
      const inserted = await store.insert(scheduleRecord(scheduleId(1)));
      const replaced = await store.replace(
        inserted,
        scheduleRecord(scheduleId(1), { description: "v2" }),
        "*",
      );
      const keysBefore = await rowKeys(table);

      await expect(store.delete(inserted, inserted.etag)).rejects.toBeInstanceOf(PreconditionFailedError);

      expect(await store.get(scheduleId(1))).toEqual(replaced);
      expect(await rowKeys(table)).toEqual(keysBefore);
    });

    it("with * deletes whatever is stored", async () => {
      const { store, table } = await newStore();
      const inserted = await store.insert(scheduleRecord(scheduleId(1), { name: "before" }));
      await store.replace(
        inserted,
        scheduleRecord(scheduleId(1), { name: "after" }, { dueAt: "2026-12-24T00:00:00.000Z" }),
        "*",
      );

      await store.delete(inserted, "*");

      expect(await rowKeys(table)).toEqual([]);
    });

    it("lists and finds nothing of a schedule whose final row removal did not happen", async () => {
      const { store, table } = await newStore();
      await table.createEntity({
        partitionKey: "schedules",
        rowKey: `id:${scheduleId(7)}`,
        id: scheduleId(7),
        deleted: true,
      });

      expect(await store.get(scheduleId(7))).toBeUndefined();
      expect((await store.list({ top: 10 })).items).toEqual([]);
    });
  });

  describe("findDue", () => {
    it("returns exactly the entries due at now, oldest first, reading only them", async () => {
      const { store, table } = await newStore();
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

      expect(due).toEqual(expected);
      const total = (await rowKeys(table)).length;
      console.info(
        `findDue read ${due.length} due entities of ${total} entities in the table (300 schedules)`,
      );
      expect(await store.findDue(now, 5)).toEqual(expected.slice(0, 5));
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
      expect(await store.findDue(new Date("2026-11-22T13:00:00.000Z"), 100)).toEqual([
        { scheduleId: scheduleId(1), dueAt: "2026-11-22T13:00:00.000Z" },
      ]);
    });
  });

  describe("ping", () => {
    it("resolves while storage answers and rejects when the table is gone", async () => {
      const { store, table } = await newStore();
      await expect(store.ping()).resolves.toBeUndefined();
      await table.deleteTable();
      await expect(store.ping()).rejects.toThrow();
      await expect(store.get(scheduleId(1))).rejects.toThrow();
    });

    it("rejects when nothing listens", async () => {
      const table = new TableClient("http://127.0.0.1:9/devstoreaccount1", "absent", {
        allowInsecureConnection: true,
        retryOptions: { maxRetries: 0 },
      });
      await expect(new TableScheduleStore(table).ping()).rejects.toThrow();
    });
  });
});
