import { QueueClient } from "@azure/storage-queue";
import { describe, expect, it } from "vitest";
import { runIdsOf, runMessageSchema, RUNS_PER_MESSAGE, StorageRunQueue } from "../../src/runs/run-queue.js";
import { decodeQueueMessage } from "../../src/state/queue-message.js";
import { receiveAllMessages } from "../support/queue-messages.js";
import { testStorageConnectionString, uniqueStoragePrefix } from "../support/storage.js";

async function newQueue(): Promise<{ queue: StorageRunQueue; client: QueueClient }> {
  const prefix = uniqueStoragePrefix();
  const client = new QueueClient(testStorageConnectionString(), `${prefix}-runs`);
  const queue = new StorageRunQueue(
    client,
    new QueueClient(testStorageConnectionString(), `${prefix}-runs-poison`),
  );
  await queue.ensureCreated();
  return { queue, client };
}

/** What one message asks for. */
const runsOf = (message: unknown) => runIdsOf(runMessageSchema.parse(message));

describe("StorageRunQueue", () => {
  it("sends a lone run as { runId }, as messages were before runs shared them", async () => {
    const { queue, client } = await newQueue();
    await queue.enqueue("run-1");
    const { receivedMessageItems } = await client.receiveMessages();
    expect(decodeQueueMessage(receivedMessageItems[0]?.messageText ?? "")).toEqual({ runId: "run-1" });
  });

  it("puts 200 runs enqueued at once in a few messages of at most RUNS_PER_MESSAGE, each run in exactly one", async () => {
    const { queue, client } = await newQueue();
    const runIds = Array.from({ length: 200 }, (_, index) => `run-${index}`);
    await Promise.all(runIds.map((runId) => queue.enqueue(runId)));

    const messages = await receiveAllMessages(client, runsOf);
    expect(messages.flat().sort()).toEqual([...runIds].sort());
    expect(messages.every((runs) => runs.length <= RUNS_PER_MESSAGE)).toBe(true);
    // The first sends go alone, at once; the rest wait for them and share.
    expect(messages.length).toBeLessThanOrEqual(4 + Math.ceil(200 / RUNS_PER_MESSAGE));
  });

  it("never puts runs with different delays in one message", async () => {
    const { queue, client } = await newQueue();
    const now = Array.from({ length: 40 }, (_, index) => `now-${index}`);
    const later = Array.from({ length: 40 }, (_, index) => `later-${index}`);
    await Promise.all([
      ...now.map((runId) => queue.enqueue(runId)),
      ...later.map((runId) => queue.enqueue(runId, 2_000)),
    ]);

    const visibleAtOnce = await receiveAllMessages(client, (message) =>
      runIdsOf(runMessageSchema.parse(message)),
    );
    expect(visibleAtOnce.flat().sort()).toEqual([...now].sort());
    await new Promise((resolve) => setTimeout(resolve, 2_500));
    const visibleLater = await receiveAllMessages(client, (message) =>
      runIdsOf(runMessageSchema.parse(message)),
    );
    expect(visibleLater.flat().sort()).toEqual([...later].sort());
  });

  it("reads a message of several runs, and refuses one of none or of more than RUNS_PER_MESSAGE", () => {
    expect(runIdsOf(runMessageSchema.parse({ runIds: ["a", "b"] }))).toEqual(["a", "b"]);
    expect(runMessageSchema.safeParse({ runIds: [] }).success).toBe(false);
    const tooMany = Array.from({ length: RUNS_PER_MESSAGE + 1 }, (_, index) => `r${index}`);
    expect(runMessageSchema.safeParse({ runIds: tooMany }).success).toBe(false);
  });
});
