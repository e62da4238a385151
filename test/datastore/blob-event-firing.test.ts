import { afterEach, beforeEach, describe, expect, it } from "vitest";
import { forEachConcurrently } from "../../src/concurrency.js";
import { fireBlobCreatedEvents } from "../../src/datastore/blob-event-firing.js";
import { readBlobEventMessage } from "../../src/datastore/blob-events.js";
import { blobEventDependencies } from "../../src/host/blob-event-wiring.js";
import {
  change,
  createEventHarness,
  firedChanges,
  uploadAll,
  type EventHarness,
  uploadFast,
} from "./event-harness.js";

/**
 * CONTRACT 2.3, detection "events": Event Grid BlobCreated events on the real BLOB_EVENTS_QUEUE of the test Azurite,
 * read by the queue trigger of the one trigger list, with events built from real uploads (their real ETag, URL,
 * length and Last-Modified). Each change of a direct child fires once, whatever the duplicates and the order, and
 * the reconciliation fires what no event announced, never what one did.
 */

/**
 * Blobs of the burst test (issue 14: 10,000 events for 10,000 blobs). It takes about 12 minutes here (2,000 took
 * 50 s): Azurite (LokiJS) spends more per request the more rows a partition and messages its queues hold, and the
 * burst puts 10,000 runs with their occurrence keys in the schedule's one partition. The file has its own Azurite.
 */
const BURST = 10_000;

let harness: EventHarness;

beforeEach(async () => {
  harness = await createEventHarness();
});

afterEach(async () => {
  await harness.close();
});

describe("blob events (detection: events)", () => {
  it("fire each new direct child of the watched folder once, never its subfolders or other folders", async () => {
    const incoming = await harness.watch("incoming");
    const other = await harness.watch("other/");
    await harness.startWorker();
    const [a, b, nested, elsewhere, root] = await uploadAll(harness, [
      "incoming/a.csv",
      "incoming/b.csv",
      "incoming/sub/c.csv",
      "outgoing/d.csv",
      "e.csv",
    ]);
    for (const blob of [a, b, nested, elsewhere, root]) await harness.send(harness.eventOf(blob!));

    const runs = await harness.settledRunsOf(incoming, 2);
    expect(firedChanges(runs)).toEqual([change(a!), change(b!)].sort());
    expect(runs.map((run) => run.reason)).toEqual(["datastore", "datastore"]);
    const assignments = runs.map((run) => JSON.stringify(run.request.DataPathAssignments)).sort();
    expect(assignments).toEqual([
      JSON.stringify({ input_datapath: { DataStoreName: "landing", RelativePath: "incoming/a.csv" } }),
      JSON.stringify({ input_datapath: { DataStoreName: "landing", RelativePath: "incoming/b.csv" } }),
    ]);
    expect(await harness.runsOf(other)).toEqual([]);
  });

  it("fire a change once however often and in whatever order its events come, and an older ETag after a newer once", async () => {
    const schedule = await harness.watch("incoming");
    await harness.startWorker();
    const first = await harness.upload("incoming/a.csv", "first");
    const second = await harness.upload("incoming/a.csv", "second");
    // The newer ETag first, then the older one (the blob no longer has it), then both again, as one array.
    await harness.send(harness.eventOf(second));
    await harness.send(harness.eventOf(second));
    await harness.send(harness.eventOf(first));
    await harness.send([harness.eventOf(first), harness.eventOf(second), harness.eventOf(first)]);

    const runs = await harness.settledRunsOf(schedule, 2);
    expect(firedChanges(runs)).toEqual([change(first), change(second)].sort());
    // The reconciliation lists the blob with its current ETag, which an event fired already.
    expect(await harness.reconcile(schedule)).toEqual([]);
    expect(await harness.runsOf(schedule)).toHaveLength(2);
  });

  it("fire Data Lake's two events for one file once: the zero-length CreateFile does not fire, FlushWithClose does", async () => {
    const schedule = await harness.watch("lake");
    await harness.startWorker();
    const created = await harness.upload("lake/file.parquet", "");
    const flushed = await harness.upload("lake/file.parquet", "the committed bytes");
    expect(created.contentLength).toBe(0);
    await harness.send(harness.eventOf(created, { api: "CreateFile" }));
    await harness.send(harness.eventOf(flushed, { api: "FlushWithClose" }));
    // Redelivered, the other way round.
    await harness.send([
      harness.eventOf(flushed, { api: "FlushWithClose" }),
      harness.eventOf(created, { api: "CreateFile" }),
    ]);

    const runs = await harness.settledRunsOf(schedule, 1);
    expect(firedChanges(runs)).toEqual([change(flushed)]);
    expect(await harness.reconcile(schedule)).toEqual([]);
  });

  it("fire PutBlob, PutBlockList and CopyBlob, and a zero-length blob that Data Lake did not create", async () => {
    const schedule = await harness.watch("apis");
    await harness.startWorker();
    const [put, list, copy] = await uploadAll(harness, ["apis/put.csv", "apis/list.csv", "apis/copy.csv"]);
    const empty = await harness.upload("apis/empty.csv", "");
    await harness.send(harness.eventOf(put!, { api: "PutBlob" }));
    await harness.send(harness.eventOf(list!, { api: "PutBlockList" }));
    await harness.send(harness.eventOf(copy!, { api: "CopyBlob" }));
    await harness.send(harness.eventOf(empty, { api: "PutBlob" }));

    const runs = await harness.settledRunsOf(schedule, 4);
    expect(firedChanges(runs)).toEqual([change(put!), change(list!), change(copy!), change(empty)].sort());
  });

  it("read base64 and plain JSON messages, single events and arrays", async () => {
    const schedule = await harness.watch("formats");
    await harness.startWorker();
    const blobs = await uploadAll(harness, [
      "formats/1.csv",
      "formats/2.csv",
      "formats/3.csv",
      "formats/4.csv",
    ]);
    const [one, two, three, four] = blobs.map((blob) => harness.eventOf(blob));
    await harness.send(one, "base64");
    await harness.send(two, "json");
    await harness.send([three], "base64");
    await harness.send([four], "json");

    const runs = await harness.settledRunsOf(schedule, 4);
    expect(firedChanges(runs)).toEqual(blobs.map((blob) => change(blob)).sort());
  });

  it("set a malformed message aside on the poison queue with a log line, and go on with the others", async () => {
    const schedule = await harness.watch("mixed");
    await harness.startWorker();
    const [good, alsoGood] = await uploadAll(harness, ["mixed/good.csv", "mixed/also-good.csv"]);
    await harness.eventsQueue.sendMessage("this is not an event {");
    await harness.send({ eventType: "Microsoft.Storage.BlobCreated", data: { url: good!.url } });
    await harness.send({ specversion: "1.0", type: "Microsoft.Storage.BlobCreated", source: "/x", id: "1" });
    await harness.send(harness.eventOf(good!));
    // A readable event next to a malformed one fires, and the message is set aside all the same.
    await harness.send([harness.eventOf(alsoGood!), { eventType: "Microsoft.Storage.BlobCreated" }]);

    const runs = await harness.settledRunsOf(schedule, 2);
    expect(firedChanges(runs)).toEqual([change(good!), change(alsoGood!)].sort());
    const poisoned = await harness.poisonedMessages(4);
    expect(poisoned).toHaveLength(4);
    const poisonedTexts = poisoned.map((text) => Buffer.from(text, "base64").toString("utf8"));
    expect(poisonedTexts).toContain("this is not an event {");
    // The handler logs after its send to the poison queue, and the runner deletes the message after the handler:
    // both may still be under way when the fourth message shows there.
    const poisonLines = () => harness.logs.filter((line) => line.includes("moved to the poison queue"));
    await expect.poll(() => poisonLines().length, { timeout: 10_000 }).toBe(4);
    expect(poisonLines().join("\n")).toContain("CloudEvents schema");
    expect(poisonLines().join("\n")).toContain("neither JSON nor base64 of JSON");
    await expect
      .poll(async () => (await harness.eventsQueue.getProperties()).approximateMessagesCount, {
        timeout: 10_000,
      })
      .toBe(0);
    // Set aside at once, not after five failed deliveries.
    expect(harness.logs.filter((line) => line.includes("failed (delivery"))).toEqual([]);
  });

  it("never fire the baseline: a blob present at activation whose event comes after it", async () => {
    const before = await harness.upload("baseline/before.csv");
    const schedule = await harness.watch("baseline");
    const after = await harness.upload("baseline/after.csv");
    const replaced = await harness.upload("baseline/before.csv", "a new upload of a baseline blob");
    await harness.startWorker();
    await harness.send(harness.eventOf(before));
    await harness.send(harness.eventOf(after));
    await harness.send(harness.eventOf(replaced));

    const runs = await harness.settledRunsOf(schedule, 2);
    expect(firedChanges(runs)).toEqual([change(after), change(replaced)].sort());
  });

  it("fire a dropped event's change at the next reconciliation, exactly once, and keep the activation's baseline", async () => {
    const schedule = await harness.watch("dropped");
    await harness.startWorker();
    const [announced, dropped] = await uploadAll(harness, ["dropped/announced.csv", "dropped/dropped.csv"]);
    await harness.send(harness.eventOf(announced!));
    expect(firedChanges(await harness.settledRunsOf(schedule, 1))).toEqual([change(announced!)]);

    const reconciled = await harness.reconcile(schedule);
    expect(firedChanges(reconciled)).toEqual([change(dropped!, "listing")]);
    expect(await harness.reconcile(schedule)).toEqual([]);
    // The event comes after all, a day late: it fires nothing more.
    await harness.send(harness.eventOf(dropped!));
    const runs = await harness.settledRunsOf(schedule, 3, 3_000);
    expect(firedChanges(runs)).toEqual([change(announced!), change(dropped!, "listing")].sort());
    // Events may come a day late, so the baseline outlives the first reconciliation.
    const rows = await harness.cursorRowsOf(schedule);
    expect(rows).toHaveLength(2);
    expect(rows[0]).toMatch(/^baseline-[0-9a-f]{16}$/);
    expect(rows[1]).toBe("cursor");
  });

  it("fire a change once when its event and a reconciliation race", async () => {
    const schedule = await harness.watch("race");
    const deps = blobEventDependencies(harness.services);
    const fired: string[] = [];
    for (let round = 0; round < 6; round++) {
      const blobs = await uploadAll(
        harness,
        Array.from({ length: 8 }, (_, index) => `race/r${round}-${index}.csv`),
      );
      const events = readBlobEventMessage(blobs.map((blob) => harness.eventOf(blob))).events;
      const [byEvents, byListing] = await Promise.all([
        fireBlobCreatedEvents(deps, events, new Date()),
        harness.reconcile(schedule),
      ]);
      fired.push(...firedChanges([...byEvents.runs, ...byListing]));
    }
    const runs = await harness.runsOf(schedule);
    expect(runs).toHaveLength(48);
    expect(new Set(runs.map((run) => run.changedBlob?.path)).size).toBe(48);
    expect(fired).toHaveLength(48);
  });

  it(
    "fire a burst of 10,000 events for 10,000 blobs as 10,000 runs, none twice, duplicates and all",
    { timeout: 2_400_000 },
    async () => {
      const schedule = await harness.watch("burst");
      const names = Array.from(
        { length: BURST },
        (_, index) => `burst/b${String(index).padStart(5, "0")}.csv`,
      );
      const blobs = await uploadFast(harness, names);
      await harness.startWorker();
      // BURST / 25 messages of 25 events (a queue message holds 64 KiB), then a tenth of them again (queues deliver
      // twice), in reverse order.
      const batches = Array.from({ length: BURST / 25 }, (_, index) =>
        blobs.slice(index * 25, index * 25 + 25).map((blob) => harness.eventOf(blob)),
      );
      const messages = [...batches, ...batches.filter((_, index) => index % 10 === 0).reverse()];
      await forEachConcurrently(messages, 16, (events) => harness.send(events));

      const runs = await harness.settledRunsOf(schedule, BURST, 2_300_000);
      expect(runs).toHaveLength(BURST);
      expect(new Set(runs.map((run) => run.changedBlob?.path))).toEqual(new Set(names));
      expect(runs.every((run) => run.changedBlob?.detectedBy === "event")).toBe(true);
      expect(await harness.reconcile(schedule)).toEqual([]);
    },
  );

  it("fire nothing for a Disabled schedule, and forget a deleted one's watch", async () => {
    const schedule = await harness.watch("paused");
    expect((await harness.call("POST", `/schedules/${schedule}/disable`)).status).toBe(200);
    const deps = blobEventDependencies(harness.services);
    const blob = await harness.upload("paused/a.csv");
    const events = readBlobEventMessage(harness.eventOf(blob)).events;
    expect((await fireBlobCreatedEvents(deps, events, new Date())).runs).toEqual([]);
    expect(await harness.services.datastores.eventWatches.list("landing", "paused/")).toHaveLength(1);

    expect((await harness.call("DELETE", `/schedules/${schedule}`)).status).toBe(204);
    // A minute on, the row is no activation under way: the next event of the folder removes it.
    const outcome = await fireBlobCreatedEvents(deps, events, new Date(Date.now() + 61_000));
    expect(outcome.runs).toEqual([]);
    expect(await harness.services.datastores.eventWatches.list("landing", "paused/")).toEqual([]);
  });

  it("follow a trigger moved to another folder, and fire nothing for the folder it left", async () => {
    const schedule = await harness.watch("moving");
    const deps = blobEventDependencies(harness.services);
    const moved = await harness.call("PATCH", `/schedules/${schedule}`, {
      trigger: { pathOnDatastore: "moved" },
    });
    expect(moved.status).toBe(200);
    const [left, arrived] = await uploadAll(harness, ["moving/a.csv", "moved/b.csv"]);
    const events = readBlobEventMessage([harness.eventOf(left!), harness.eventOf(arrived!)]).events;
    const outcome = await fireBlobCreatedEvents(deps, events, new Date());
    expect(firedChanges(outcome.runs)).toEqual([change(arrived!)]);
  });
});
