import { afterEach, describe, expect, it } from "vitest";
import { baselineCursor, type ListedBlob } from "../../src/datastore/folder-changes.js";
import type { FolderCheckDependencies } from "../../src/datastore/folder-check.js";
import { folderListingPages, openDatastoreContainer } from "../../src/datastore/folder-listing.js";
import { runSchedulingPass } from "../../src/scheduling/scheduling-pass.js";
import type { AmlSubmitBody } from "../../src/submit/request-body.js";
import { changedBlobsOf, createCheckHarness, nextSecond, type CheckHarness } from "./check-harness.js";

let harness: CheckHarness;

afterEach(async () => {
  await harness.close();
});

async function etagOf(name: string): Promise<string> {
  const properties = await harness.container.getBlobClient(name).getProperties();
  // Listings give the ETag without the quotes that the response header has.
  return (properties.etag ?? "").replaceAll('"', "");
}

describe("a folder check (CONTRACT 2.3, real Azurite)", () => {
  it("fires each new direct child once with its container-relative path, never the baseline, subfolders or other folders", async () => {
    harness = await createCheckHarness();
    await harness.upload(["incoming/daily/old-1.csv", "incoming/daily/old-2.csv"]);
    await nextSecond();
    const schedule = await harness.watch({
      pathOnDatastore: "incoming/daily/",
      dataPathParameterName: "input_datapath",
    });
    // Uploaded after creation and before the first check: these fire.
    await harness.upload([
      "incoming/daily/new-1.csv",
      "incoming/daily/new-2.csv",
      "incoming/daily/sub/x.csv",
      "incoming/other.csv",
      "other/x.csv",
    ]);

    const runs = await harness.check(schedule);
    expect(changedBlobsOf(runs)).toEqual(
      [
        `incoming/daily/new-1.csv@${await etagOf("incoming/daily/new-1.csv")}`,
        `incoming/daily/new-2.csv@${await etagOf("incoming/daily/new-2.csv")}`,
      ].sort(),
    );
    for (const run of runs) {
      expect(run.reason).toBe("datastore");
      expect(run.status).toBe("Pending");
      expect((run.request as unknown as AmlSubmitBody).DataPathAssignments).toEqual({
        input_datapath: { DataStoreName: harness.datastore.name, RelativePath: run.changedBlob?.path },
      });
    }
    expect(await harness.check(schedule)).toEqual([]);
    expect(await harness.runsOf(schedule)).toHaveLength(2);

    // Everything the runs were enqueued for reaches the endpoint once.
    expect(await harness.stack.drainQueue()).toBe(2);
    const relativePaths = harness.endpoint.received
      .map((post) => (post.body as AmlSubmitBody).DataPathAssignments.input_datapath?.RelativePath)
      .sort();
    expect(relativePaths).toEqual(["incoming/daily/new-1.csv", "incoming/daily/new-2.csv"]);
  });

  it("fires an overwrite again (even of the same bytes), never an unchanged blob again, and not a deletion", async () => {
    harness = await createCheckHarness();
    const schedule = await harness.watch(
      { pathOnDatastore: "in", dataPathParameterName: "file" },
      new Date(Date.now() - 10_000),
    );
    await harness.upload(["in/a.csv", "in/b.csv"], { content: "same" });
    expect(await harness.check(schedule)).toHaveLength(2);

    await harness.upload(["in/a.csv"], { content: "same" });
    await harness.container.deleteBlob("in/b.csv");
    const second = await harness.check(schedule);
    expect(changedBlobsOf(second)).toEqual([`in/a.csv@${await etagOf("in/a.csv")}`]);

    expect(await harness.check(schedule)).toEqual([]);
    expect(await harness.runsOf(schedule)).toHaveLength(3);
  });

  it("without dataPathParameterName, makes one run per check that found changes", async () => {
    harness = await createCheckHarness();
    const schedule = await harness.watch({ pathOnDatastore: "in" }, new Date(Date.now() - 10_000));
    expect(await harness.check(schedule)).toEqual([]);

    await harness.upload(["in/1.csv", "in/2.csv", "in/3.csv"]);
    const runs = await harness.check(schedule);
    expect(runs).toHaveLength(1);
    expect(runs[0]?.changedBlob).toBeNull();
    expect((runs[0]?.request as unknown as AmlSubmitBody).DataPathAssignments).toEqual({});
    expect(await harness.check(schedule)).toEqual([]);

    await harness.upload(["in/4.csv"]);
    expect(await harness.check(schedule)).toHaveLength(1);
    expect(await harness.runsOf(schedule)).toHaveLength(2);
    const stored = await harness.cursors.get(schedule.id);
    expect(stored?.cursor.pendingCheckRunKey).toBeNull();
  });

  it("watches the container root when pathOnDatastore is omitted, and only its direct children", async () => {
    harness = await createCheckHarness();
    const schedule = await harness.watch({ dataPathParameterName: "file" }, new Date(Date.now() - 10_000));
    await harness.upload(["top.csv", "in/nested.csv"]);
    expect(changedBlobsOf(await harness.check(schedule))).toEqual([`top.csv@${await etagOf("top.csv")}`]);
  });

  it("takes what is in the folder at re-enabling as the baseline", async () => {
    harness = await createCheckHarness();
    const schedule = await harness.watch({ pathOnDatastore: "in", dataPathParameterName: "file" });
    await harness.upload(["in/before-disable.csv"]);
    expect(await harness.check(schedule)).toHaveLength(1);

    const disabled = await harness.stack.schedules.replace(
      schedule,
      {
        ...schedule,
        definition: { ...schedule.definition, status: "Disabled" },
        nextRunAt: null,
        dueAt: null,
      },
      schedule.etag,
    );
    await harness.upload(["in/while-disabled.csv"]);
    expect(await harness.check(disabled)).toEqual([]);
    expect((await harness.cursors.get(schedule.id))?.cursor.seen).toHaveLength(1);

    await nextSecond();
    const reEnabledAt = new Date(Math.floor(Date.now() / 1000) * 1000).toISOString();
    const reEnabled = await harness.stack.schedules.replace(
      disabled,
      { ...disabled, definition: { ...disabled.definition, status: "Active" }, activatedAt: reEnabledAt },
      disabled.etag,
    );
    await harness.upload(["in/after-enable.csv"]);
    expect(changedBlobsOf(await harness.check(reEnabled))).toEqual([
      `in/after-enable.csv@${await etagOf("in/after-enable.csv")}`,
    ]);
    expect((await harness.cursors.get(schedule.id))?.cursor.activatedAt).toBe(reEnabledAt);
  });

  it("does not check a Disabled schedule, and the scheduling pass enqueues no check for it", async () => {
    harness = await createCheckHarness();
    const createdAt = new Date(Date.now() - 10 * 60_000);
    const active = await harness.watch({ pathOnDatastore: "in", pollingIntervalMinutes: 5 }, createdAt);
    const disabled = await harness.watch(
      { pathOnDatastore: "in", pollingIntervalMinutes: 5 },
      createdAt,
      "Disabled",
    );
    await harness.upload(["in/a.csv"]);

    const enqueued: string[] = [];
    const now = new Date();
    await runSchedulingPass(
      {
        ...harness.stack.scheduling,
        enqueueFolderCheck: (schedule) => Promise.resolve(void enqueued.push(schedule.id)),
      },
      now,
    );
    expect(enqueued).toEqual([active.id]);
    expect(await harness.check(disabled)).toEqual([]);
    expect(await harness.cursors.get(disabled.id)).toBeUndefined();

    // The pass moved the Active schedule to its next check, on the polling cadence, with no next run instant.
    const advanced = await harness.stack.schedules.get(active.id);
    expect(advanced?.nextRunAt).toBeNull();
    const dueAt = Date.parse(advanced?.dueAt ?? "");
    expect(dueAt).toBeGreaterThan(now.getTime());
    expect(dueAt - now.getTime()).toBeLessThanOrEqual(5 * 60_000);
    expect((dueAt - Date.parse(active.activatedAt)) % (5 * 60_000)).toBe(0);
  });

  it("checks nothing and says so when the datastore is not registered", async () => {
    harness = await createCheckHarness();
    const schedule = await harness.watch({ pathOnDatastore: "in" }, new Date(Date.now() - 10_000));
    await harness.registry.delete(harness.datastore.name);
    await harness.upload(["in/a.csv"]);
    expect(await harness.check(schedule)).toEqual([]);
    expect(harness.stack.logs.join("\n")).toContain(`datastore ${harness.datastore.name} is not registered`);
  });

  it("fires exactly the 5 new blobs of a folder of 2,000", { timeout: 120_000 }, async () => {
    harness = await createCheckHarness();
    const existing = Array.from(
      { length: 2_000 },
      (_, index) => `big/existing-${String(index).padStart(5, "0")}.bin`,
    );
    await harness.upload(existing, { concurrency: 48, content: "x" });
    await nextSecond();
    const schedule = await harness.watch({ pathOnDatastore: "big", dataPathParameterName: "file" });
    const fresh = [
      "big/new-a.bin",
      "big/new-b.bin",
      "big/zz-new-c.bin",
      "big/existing-00999-new.bin",
      "big/0-new.bin",
    ];
    await harness.upload(fresh);
    const runs = await harness.check(schedule);
    expect(runs.map((run) => run.changedBlob?.path).sort()).toEqual([...fresh].sort());
    expect(await harness.check(schedule)).toEqual([]);
    expect(await harness.runsOf(schedule)).toHaveLength(5);
  });
});

describe("never miss, never repeat (real Azurite)", () => {
  it(
    "catches uploads committed between the pages of a listing, in that check or the next",
    { timeout: 120_000 },
    async () => {
      harness = await createCheckHarness({ pageSize: 3 });
      const random = seededRandom(20261121);
      for (let trial = 0; trial < 20; trial++) {
        const folder = `trial-${trial}`;
        const initial = Array.from(
          { length: 12 },
          (_, index) => `${folder}/m${String(index).padStart(2, "0")}`,
        );
        await harness.upload(initial);
        const schedule = await harness.watch(
          { pathOnDatastore: folder, dataPathParameterName: "file" },
          new Date(Date.now() - 10_000),
        );
        const injected: string[] = [];
        let pages = 0;
        const injecting: FolderCheckDependencies = {
          ...harness.deps,
          listFolder: async (datastore, prefix) => {
            const container = openDatastoreContainer(datastore, harness.connection);
            const blobs: ListedBlob[] = [];
            let serviceTimeMs: number | undefined;
            for await (const page of folderListingPages(container, prefix, 1 + Math.floor(random() * 3))) {
              serviceTimeMs ??= page.serviceTimeMs;
              blobs.push(...page.blobs);
              pages++;
              const count = Math.floor(random() * 3);
              // Names that sort before the pages already read ("a…") as well as after them ("z…").
              const names = Array.from(
                { length: count },
                () => `${folder}/${random() < 0.5 ? "a" : "z"}${Math.floor(random() * 1e9).toString(36)}`,
              );
              injected.push(...names);
              await harness.upload(names);
            }
            return { blobs, serviceTimeMs: serviceTimeMs ?? Date.now() };
          },
        };
        await harness.check(schedule, injecting);
        await harness.check(schedule);
        const fired = (await harness.runsOf(schedule)).map((run) => run.changedBlob?.path ?? "").sort();
        expect(fired).toEqual([...initial, ...injected].sort());
        expect(pages).toBeGreaterThan(2);
      }
    },
  );

  it("makes no duplicate runs when two checks of one schedule run at once", { timeout: 60_000 }, async () => {
    harness = await createCheckHarness({ pageSize: 2 });
    const perBlob = await harness.watch(
      { pathOnDatastore: "in", dataPathParameterName: "file" },
      new Date(Date.now() - 10_000),
    );
    const perCheck = await harness.watch({ pathOnDatastore: "in" }, new Date(Date.now() - 10_000));
    const uploaded: string[] = [];
    for (let round = 0; round < 5; round++) {
      const names = Array.from({ length: 4 }, (_, index) => `in/r${round}-${index}.csv`);
      uploaded.push(...names);
      await harness.upload(names);
      const perCheckRuns = (await Promise.all([harness.check(perCheck), harness.check(perCheck)])).flat();
      expect(perCheckRuns).toHaveLength(1);
      await Promise.all([harness.check(perBlob), harness.check(perBlob), harness.check(perBlob)]);
    }
    const runs = await harness.runsOf(perBlob);
    expect(runs.map((run) => run.changedBlob?.path).sort()).toEqual(uploaded.sort());
    expect(await harness.runsOf(perCheck)).toHaveLength(5);
  });

  it("repeats no submission and loses no change when a check crashes after creating runs, before saving its cursor", async () => {
    harness = await createCheckHarness();
    const schedule = await harness.watch(
      { pathOnDatastore: "in", dataPathParameterName: "file" },
      new Date(Date.now() - 10_000),
    );
    await harness.upload(["in/a.csv", "in/b.csv"]);
    const crashing: FolderCheckDependencies = {
      ...harness.deps,
      cursors: withOverrides(harness.cursors, { save: () => Promise.reject(new Error("crash")) }),
    };
    await expect(harness.check(schedule, crashing)).rejects.toThrow("crash");
    expect(await harness.runsOf(schedule)).toHaveLength(2);
    expect(await harness.cursors.get(schedule.id)).toBeUndefined();

    await harness.upload(["in/c.csv"]);
    const retry = await harness.check(schedule);
    expect(retry.map((run) => run.changedBlob?.path)).toEqual(["in/c.csv"]);
    expect(await harness.stack.drainQueue()).toBe(3);
    const posted = harness.endpoint.received.map(
      (post) => (post.body as AmlSubmitBody).DataPathAssignments.file?.RelativePath,
    );
    expect(posted.sort()).toEqual(["in/a.csv", "in/b.csv", "in/c.csv"]);
  });

  it("pays the run a one-run-per-check schedule owes after a crash, once", async () => {
    harness = await createCheckHarness();
    const schedule = await harness.watch({ pathOnDatastore: "in" }, new Date(Date.now() - 10_000));
    await harness.upload(["in/a.csv"]);
    // Crash 1: the cursor that owes the run is saved, then the run cannot be created.
    const failingRuns: FolderCheckDependencies = {
      ...harness.deps,
      runs: withOverrides(harness.stack.runs, { create: () => Promise.reject(new Error("crash")) }),
    };
    await expect(harness.check(schedule, failingRuns)).rejects.toThrow("crash");
    expect((await harness.cursors.get(schedule.id))?.cursor.pendingCheckRunKey).not.toBeNull();
    expect(await harness.check(schedule)).toHaveLength(1);

    // Crash 2: the run is created, then the cursor that clears the debt cannot be saved.
    await harness.upload(["in/b.csv"]);
    let saves = 0;
    const failingSecondSave: FolderCheckDependencies = {
      ...harness.deps,
      cursors: withOverrides(harness.cursors, {
        save: (id, cursor, etag) =>
          ++saves === 2 ? Promise.reject(new Error("crash")) : harness.cursors.save(id, cursor, etag),
      }),
    };
    await expect(harness.check(schedule, failingSecondSave)).rejects.toThrow("crash");
    expect(await harness.check(schedule)).toEqual([]);
    expect(await harness.runsOf(schedule)).toHaveLength(2);
    expect(await harness.stack.drainQueue()).toBe(2);
    expect(harness.endpoint.received).toHaveLength(2);
    expect((await harness.cursors.get(schedule.id))?.cursor.pendingCheckRunKey).toBeNull();
  });

  it("fires nothing and starts over when its activation's baseline is gone (a concurrent first check took it up)", async () => {
    harness = await createCheckHarness();
    const watched = await harness.watch(
      { pathOnDatastore: "in", dataPathParameterName: "file" },
      new Date(Date.now() - 10_000),
    );
    const schedule = await harness.stack.schedules.replace(
      watched,
      { ...watched, activationId: "feedfacefeedface" },
      watched.etag,
    );
    await harness.upload(["in/a.csv"]);
    expect(await harness.check(schedule)).toEqual([]);
    expect(harness.stack.logs.join("\n")).toContain("the baseline of activation feedfacefeedface is gone");
    expect((await harness.cursors.get(schedule.id))?.cursor.activationId).toBe("feedfacefeedface");

    await harness.upload(["in/b.csv"]);
    expect(changedBlobsOf(await harness.check(schedule))).toEqual([`in/b.csv@${await etagOf("in/b.csv")}`]);
  });

  it("starts a schedule without a cursor from its activation", async () => {
    harness = await createCheckHarness();
    const schedule = await harness.watch({ pathOnDatastore: "in" }, new Date(Date.now() - 10_000));
    expect(await harness.check(schedule)).toEqual([]);
    const stored = await harness.cursors.get(schedule.id);
    expect(stored?.cursor.activatedAt).toBe(baselineCursor(schedule.activatedAt).activatedAt);
    expect(stored?.cursor.version).toBe(1);
  });
});

/** The object with some methods replaced; the others still run against the original's state. */
function withOverrides<T extends object>(original: T, overrides: Partial<T>): T {
  return Object.assign(Object.create(original) as T, overrides);
}

/** A small deterministic generator (mulberry32), so a failing trial can be replayed. */
function seededRandom(seed: number): () => number {
  let state = seed;
  return () => {
    state = (state + 0x6d2b79f5) | 0;
    let value = Math.imul(state ^ (state >>> 15), 1 | state);
    value = (value + Math.imul(value ^ (value >>> 7), 61 | value)) ^ value;
    return ((value ^ (value >>> 14)) >>> 0) / 4294967296;
  };
}
