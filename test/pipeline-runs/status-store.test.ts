import { TableClient } from "@azure/data-tables";
import { describe, expect, it } from "vitest";
import { TableStatusCheckStore } from "../../src/pipeline-runs/status-store.js";
import { testStorageConnectionString, uniqueStoragePrefix } from "../support/storage.js";

async function twoInstances(): Promise<[TableStatusCheckStore, TableStatusCheckStore]> {
  const name = `${uniqueStoragePrefix()}status`;
  const client = () =>
    TableClient.fromConnectionString(testStorageConnectionString(), name, { allowInsecureConnection: true });
  const first = new TableStatusCheckStore(client());
  await first.ensureCreated();
  return [first, new TableStatusCheckStore(client())];
}

describe("TableStatusCheckStore", () => {
  it("lets one of several instances claim a refresh, first of a new check and then of an existing one", async () => {
    const [one, two] = await twoInstances();
    const t0 = new Date("2026-11-21T10:00:00.000Z");
    const claims = await Promise.all([
      one.claimRefresh("api-1", undefined, t0),
      two.claimRefresh("api-1", undefined, t0),
    ]);
    expect(claims.filter((claim) => claim !== undefined)).toHaveLength(1);
    await one.save({
      runId: "api-1",
      status: "Running",
      detail: "step 1",
      checkedAt: t0.toISOString(),
      failure: null,
    });

    const seenByOne = await one.get("api-1");
    const seenByTwo = await two.get("api-1");
    expect(seenByOne).toMatchObject({
      runId: "api-1",
      status: "Running",
      detail: "step 1",
      checkedAt: t0.toISOString(),
      failure: null,
    });
    const t5 = new Date("2026-11-21T10:00:05.000Z");
    const again = await Promise.all([
      one.claimRefresh("api-1", seenByOne, t5),
      two.claimRefresh("api-1", seenByTwo, t5),
    ]);
    const winners = again.filter((claim) => claim !== undefined);
    expect(winners).toHaveLength(1);
    // The claim keeps what was known and stamps the time, so the others answer from it meanwhile.
    expect(winners[0]).toMatchObject({ status: "Running", detail: "step 1", checkedAt: t5.toISOString() });
  });

  it("keeps a failure to read the status", async () => {
    const [store] = await twoInstances();
    await store.save({
      runId: "api-2",
      status: null,
      detail: null,
      checkedAt: "2026-11-21T10:00:00.000Z",
      failure: { final: true, httpStatus: 403, message: "forbidden" },
    });
    expect(await store.get("api-2")).toMatchObject({
      status: null,
      failure: { final: true, httpStatus: 403, message: "forbidden" },
    });
    expect(await store.get("api-none")).toBeUndefined();
  });
});
