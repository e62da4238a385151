import { InvocationContext } from "@azure/functions";
import { QueueClient } from "@azure/storage-queue";
import { afterEach, describe, expect, it } from "vitest";
import {
  followUpQueueMessageSchema,
  followUpsOf,
  READS_PER_MESSAGE,
  StorageFollowUpQueue,
  type FollowUpMessage,
} from "../../src/following/follow-up-queue.js";
import { followUpReads } from "../../src/following/follower.js";
import { followDependencies, followUpQueueTrigger } from "../../src/host/following-wiring.js";
import { decodeQueueMessage } from "../../src/state/queue-message.js";
import { startFollowHarness, type FollowHarness } from "../support/follow-harness.js";
import { receiveAllMessages } from "../support/queue-messages.js";
import { testStorageConnectionString, uniqueStoragePrefix } from "../support/storage.js";

/**
 * Follow-up reads sent together share a queue message (issue 15: a burst of 5,000 submissions would otherwise hold
 * 5,000 delayed messages, and Azure bills, and Azurite slows down with, every one), and the queue trigger makes each
 * read a message asks for once.
 */

async function newQueue(): Promise<{ queue: StorageFollowUpQueue; client: QueueClient }> {
  const client = new QueueClient(testStorageConnectionString(), `${uniqueStoragePrefix()}-follow-ups`);
  const queue = new StorageFollowUpQueue(client);
  await queue.ensureCreated();
  return { queue, client };
}

/** What one message asks for. */
const readsOf = (message: unknown) => followUpsOf(followUpQueueMessageSchema.parse(message));

describe("StorageFollowUpQueue", () => {
  it("sends a lone read as { runId, read }, as messages were before reads shared them", async () => {
    const { queue, client } = await newQueue();
    await queue.enqueue({ runId: "run-1", read: 3 });
    const { receivedMessageItems } = await client.receiveMessages();
    expect(decodeQueueMessage(receivedMessageItems[0]?.messageText ?? "")).toEqual({
      runId: "run-1",
      read: 3,
    });
  });

  it("puts 200 reads sent at once in a few messages of at most READS_PER_MESSAGE, each read in exactly one", async () => {
    const { queue, client } = await newQueue();
    const reads = Array.from({ length: 200 }, (_, index) => ({
      runId: `run-${index}`,
      read: 1 + (index % 3),
    }));
    await Promise.all(reads.map((read) => queue.enqueue(read)));

    const messages = await receiveAllMessages(client, readsOf);
    const key = (read: FollowUpMessage) => `${read.runId}/${read.read}`;
    expect(messages.flat().map(key).sort()).toEqual(reads.map(key).sort());
    expect(messages.every((message) => message.length <= READS_PER_MESSAGE)).toBe(true);
    expect(messages.length).toBeLessThanOrEqual(4 + Math.ceil(200 / READS_PER_MESSAGE));
  });

  it("never puts reads with different delays in one message", async () => {
    const { queue, client } = await newQueue();
    const now = Array.from({ length: 40 }, (_, index) => ({ runId: `now-${index}`, read: 1 }));
    const later = Array.from({ length: 40 }, (_, index) => ({ runId: `later-${index}`, read: 2 }));
    await Promise.all([
      ...now.map((read) => queue.enqueue(read)),
      ...later.map((read) => queue.enqueue(read, 2_000)),
    ]);

    const visibleAtOnce = await receiveAllMessages(client, readsOf);
    expect(
      visibleAtOnce
        .flat()
        .map((read) => read.runId)
        .sort(),
    ).toEqual(now.map((read) => read.runId).sort());
    await new Promise((resolve) => setTimeout(resolve, 2_500));
    const visibleLater = await receiveAllMessages(client, readsOf);
    expect(
      visibleLater
        .flat()
        .map((read) => read.runId)
        .sort(),
    ).toEqual(later.map((read) => read.runId).sort());
  });

  it("reads a message of several reads, and refuses one of none, of more than READS_PER_MESSAGE or of a bad read", () => {
    const two = { followUps: [{ runId: "a", read: 1 }, { runId: "b" }] };
    expect(followUpsOf(followUpQueueMessageSchema.parse(two))).toEqual(two.followUps);
    expect(followUpQueueMessageSchema.safeParse({ followUps: [] }).success).toBe(false);
    const tooMany = Array.from({ length: READS_PER_MESSAGE + 1 }, (_, index) => ({
      runId: `r${index}`,
      read: 1,
    }));
    expect(followUpQueueMessageSchema.safeParse({ followUps: tooMany }).success).toBe(false);
    expect(followUpQueueMessageSchema.safeParse({ followUps: [{ runId: "a", read: 0 }] }).success).toBe(
      false,
    );
  });
});

describe("the follow-up queue trigger", () => {
  let harness: FollowHarness | undefined;
  afterEach(async () => {
    await harness?.close();
    harness = undefined;
  });

  /** Three runs submitted at 10:00:00, each to a pipeline run that is still Running at its first read. */
  async function threeSubmittedRuns(): Promise<{ h: FollowHarness; ids: string[] }> {
    const h = await startFollowHarness("2026-11-21T10:00:00.000Z");
    harness = h;
    h.workspace.plan(
      ...Array.from({ length: 3 }, () => ({ statuses: ["NotStarted" as const, "Running" as const] })),
    );
    const ids = await h.submitRuns(3);
    // The first reads are due 30 s after the submissions.
    h.api.setNow("2026-11-21T10:00:30.000Z");
    return { h, ids };
  }

  async function pipelineRunOf(h: FollowHarness, runId: string): Promise<string> {
    return (await h.api.services.runs.get(runId))?.pipelineRunId ?? "";
  }

  it("makes each read of a shared message once, a read asked twice or delivered again included", async () => {
    const { h, ids } = await threeSubmittedRuns();
    const [a = "", b = "", c = ""] = ids;
    const trigger = followUpQueueTrigger(() => Promise.resolve(h.api.services));
    const shared = {
      followUps: [
        { runId: a, read: 1 },
        { runId: b, read: 1 },
        { runId: a, read: 1 },
      ],
    };

    await trigger.handler(shared, new InvocationContext());
    await trigger.handler(shared, new InvocationContext());
    // A message sent before reads shared them still works.
    await trigger.handler({ runId: c, read: 1 }, new InvocationContext());

    for (const id of [a, b, c]) {
      expect(h.workspace.readsOf(await pipelineRunOf(h, id))).toBe(1);
      expect(await h.api.services.followedRuns.get(id)).toMatchObject({ reads: 1 });
      expect(await h.api.services.runs.get(id)).toMatchObject({ pipelineStatus: "NotStarted" });
    }
  });

  it("fails a shared message after making every read, when one of them failed", async () => {
    const { h, ids } = await threeSubmittedRuns();
    const [a = "", b = "", c = ""] = ids;
    const deps = followDependencies(h.api.services);
    const reading = deps.readPipelineStatus;
    const failing = {
      ...deps,
      readPipelineStatus: async (run: Parameters<typeof reading>[0]) => {
        if (run.id === b) throw new Error("the workspace went away");
        return reading(run);
      },
    };

    await expect(
      followUpReads(failing, [
        { runId: a, read: 1 },
        { runId: b, read: 1 },
        { runId: c, read: 1 },
      ]),
    ).rejects.toThrow("the workspace went away");
    expect(h.workspace.readsOf(await pipelineRunOf(h, a))).toBe(1);
    expect(h.workspace.readsOf(await pipelineRunOf(h, c))).toBe(1);
    expect(await h.api.services.runs.get(c)).toMatchObject({ pipelineStatus: "NotStarted" });
  });

  it("drops a message that is no follow-up with an error line, instead of retrying it", async () => {
    const { h } = await threeSubmittedRuns();
    const lines: unknown[][] = [];
    const context = new InvocationContext({ logHandler: (_level, ...args) => void lines.push(args) });
    await followUpQueueTrigger(() => Promise.resolve(h.api.services)).handler({ followUps: "all" }, context);
    expect(lines.flat().join("\n")).toContain("follow-up message ignored");
  });
});
