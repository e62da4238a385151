import { TableClient, type TableServiceClientOptions } from "@azure/data-tables";
import { describe, expect, it } from "vitest";
import { PartitionWriteBatcher } from "../../src/runs/partition-write-batcher.js";
import { testStorageConnectionString, uniqueStoragePrefix } from "../support/storage.js";

const PARTITION = "p";

/** A table on the test Azurite, and how many requests went to it through this client. */
async function countedTable(): Promise<{ table: TableClient; requests: () => number }> {
  let requests = 0;
  const options: TableServiceClientOptions = {
    allowInsecureConnection: true,
    additionalPolicies: [
      {
        position: "perCall",
        policy: {
          name: "countRequests",
          sendRequest: (request, next) => {
            requests++;
            return next(request);
          },
        },
      },
    ],
  };
  const table = TableClient.fromConnectionString(
    testStorageConnectionString(),
    `${uniqueStoragePrefix()}batched`,
    options,
  );
  await table.createTable();
  return { table, requests: () => requests };
}

async function rowsOf(table: TableClient): Promise<Record<string, unknown>> {
  const rows: Record<string, unknown> = {};
  for await (const entity of table.listEntities<{ value?: string }>())
    rows[entity.rowKey ?? ""] = entity.value;
  return rows;
}

describe("PartitionWriteBatcher", () => {
  it("writes 250 inserts made at once in a few entity group transactions, each answering true", async () => {
    const { table, requests } = await countedTable();
    const batcher = new PartitionWriteBatcher(table, PARTITION);
    const before = requests();
    const keys = Array.from({ length: 250 }, (_, index) => `r${String(index).padStart(3, "0")}`);
    const results = await Promise.all(keys.map((key) => batcher.insert(key, { value: key, reads: 0 })));

    expect(results.every((result) => result)).toBe(true);
    const rows = await rowsOf(table);
    expect(Object.keys(rows).sort()).toEqual(keys);
    // A lone first write goes at once; the rest share transactions of at most 100.
    expect(requests() - before).toBeLessThanOrEqual(5);
  });

  it("answers false for an insert of a row that exists, leaving it as it was, and true for the others of its batch", async () => {
    const { table } = await countedTable();
    const batcher = new PartitionWriteBatcher(table, PARTITION);
    await batcher.insert("taken", { value: "first" });
    const results = await Promise.all([
      batcher.insert("a", { value: "a" }),
      batcher.insert("taken", { value: "second" }),
      batcher.insert("b", { value: "b" }),
    ]);

    expect(results).toEqual([true, false, true]);
    expect(await rowsOf(table)).toEqual({ a: "a", b: "b", taken: "first" });
  });

  it("keeps the order of one row's writes: insert, delete and insert again in one burst", async () => {
    const { table } = await countedTable();
    const batcher = new PartitionWriteBatcher(table, PARTITION);
    const results = await Promise.all([
      batcher.insert("row", { value: "one" }),
      batcher.delete("row"),
      batcher.insert("row", { value: "two" }),
      batcher.upsert("other", { value: "x" }),
      batcher.delete("never-written"),
    ]);

    expect(results).toEqual([true, undefined, true, undefined, undefined]);
    expect(await rowsOf(table)).toEqual({ row: "two", other: "x" });
  });
});
