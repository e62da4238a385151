import { setTimeout as sleep } from "node:timers/promises";
import { QueueServiceClient, type QueueClient } from "@azure/storage-queue";
import { describe, expect, it } from "vitest";
import {
  DEFAULT_QUEUE_HOST_OPTIONS,
  loadQueueHostOptions,
  queueHostOptionsFrom,
  startQueueRunner,
} from "../../../src/host/local/queue-runner.js";
import { encodeQueueMessage } from "../../../src/state/queue-message.js";
import type { QueueTriggerSpec } from "../../../src/host/trigger-list.js";
import { testStorageConnectionString, uniqueStoragePrefix } from "../../support/storage.js";

function queueService(): QueueServiceClient {
  return QueueServiceClient.fromConnectionString(testStorageConnectionString());
}

async function messageCount(queue: QueueClient): Promise<number> {
  if (!(await queue.exists())) return 0;
  return (await queue.getProperties()).approximateMessagesCount ?? 0;
}

async function waitUntil(condition: () => Promise<boolean>, timeoutMs: number): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!(await condition())) {
    if (Date.now() > deadline) throw new Error(`condition not met within ${timeoutMs} ms`);
    await sleep(100);
  }
}

describe("queueHostOptionsFrom", () => {
  it("reads extensions.queues of the app's host.json", async () => {
    expect(await loadQueueHostOptions("host.json")).toEqual({
      maxDequeueCount: 5,
      batchSize: 32,
      newBatchThreshold: 100,
      visibilityTimeoutSeconds: 30,
      maxPollingIntervalMs: DEFAULT_QUEUE_HOST_OPTIONS.maxPollingIntervalMs,
      messageEncoding: "none",
    });
  });

  it("keeps Azure's defaults for absent fields and parses TimeSpans", () => {
    expect(queueHostOptionsFrom({ version: "2.0" })).toEqual(DEFAULT_QUEUE_HOST_OPTIONS);
    expect(
      queueHostOptionsFrom({
        extensions: { queues: { visibilityTimeout: "00:01:30", maxPollingInterval: "00:00:00.5" } },
      }),
    ).toMatchObject({ visibilityTimeoutSeconds: 90, maxPollingIntervalMs: 500 });
    expect(() => queueHostOptionsFrom({ extensions: { queues: { visibilityTimeout: "30s" } } })).toThrow(
      /visibilityTimeout must be hh:mm:ss/,
    );
  });
});

describe("startQueueRunner", () => {
  it("hands the decoded message to the handler and deletes it on success", async () => {
    const service = queueService();
    const queueName = `${uniqueStoragePrefix()}-work`;
    const received: { body: unknown; dequeueCount: unknown }[] = [];
    const spec: QueueTriggerSpec = {
      kind: "queue",
      name: "worker",
      queueName,
      handler: (body, context) => {
        received.push({ body, dequeueCount: context.triggerMetadata?.dequeueCount });
      },
    };
    const runner = await startQueueRunner([spec], {
      queueClientFor: (name) => service.getQueueClient(name),
      log: () => {},
    });
    const queue = service.getQueueClient(queueName);
    try {
      await queue.sendMessage(
        encodeQueueMessage({ scheduleId: "abc", scheduledFor: "2026-11-22T10:30:00.000Z" }),
      );
      await queue.sendMessage(Buffer.from("plain text").toString("base64"));
      await waitUntil(async () => received.length === 2 && (await messageCount(queue)) === 0, 10_000);
    } finally {
      await runner.stop();
    }
    expect(received).toEqual(
      expect.arrayContaining([
        { body: { scheduleId: "abc", scheduledFor: "2026-11-22T10:30:00.000Z" }, dequeueCount: 1 },
        { body: "plain text", dequeueCount: 1 },
      ]),
    );
    expect(await messageCount(service.getQueueClient(`${queueName}-poison`))).toBe(0);
  });

  it("retries a failing message after the visibility timeout and moves it to <queue>-poison after maxDequeueCount", async () => {
    const service = queueService();
    const queueName = `${uniqueStoragePrefix()}-work`;
    const deliveries: { dequeueCount: unknown; at: number }[] = [];
    const spec: QueueTriggerSpec = {
      kind: "queue",
      name: "failingWorker",
      queueName,
      handler: (_body, context) => {
        deliveries.push({ dequeueCount: context.triggerMetadata?.dequeueCount, at: Date.now() });
        throw new Error("endpoint returned 400");
      },
    };
    const hostOptions = { ...(await loadQueueHostOptions("host.json")), visibilityTimeoutSeconds: 1 };
    const lines: string[] = [];
    const runner = await startQueueRunner([spec], {
      queueClientFor: (name) => service.getQueueClient(name),
      hostOptions: { ...hostOptions, maxPollingIntervalMs: 200 },
      log: (line) => lines.push(line),
    });
    const queue = service.getQueueClient(queueName);
    const poison = service.getQueueClient(`${queueName}-poison`);
    const text = encodeQueueMessage({ runId: "r1" });
    try {
      await queue.sendMessage(text);
      await waitUntil(async () => (await messageCount(poison)) === 1, 20_000);
    } finally {
      await runner.stop();
    }
    expect(hostOptions.maxDequeueCount).toBe(5);
    expect(deliveries.map((delivery) => delivery.dequeueCount)).toEqual([1, 2, 3, 4, 5]);
    for (let index = 1; index < deliveries.length; index += 1) {
      const gap = (deliveries[index]?.at ?? 0) - (deliveries[index - 1]?.at ?? 0);
      expect(gap).toBeGreaterThanOrEqual(900);
    }
    expect(await messageCount(queue)).toBe(0);
    const [poisoned] = (await poison.peekMessages()).peekedMessageItems;
    expect(poisoned?.messageText).toBe(text);
    expect(lines.some((line) => line.includes("moved to") && line.includes("-poison"))).toBe(true);
  });

  it("fetches another batch while no more than newBatchThreshold handlers run, as Azure does", async () => {
    const service = queueService();
    const queueName = `${uniqueStoragePrefix()}-work`;
    let running = 0;
    let mostAtOnce = 0;
    let handled = 0;
    let release: () => void = () => undefined;
    const released = new Promise<void>((resolve) => {
      release = resolve;
    });
    const spec: QueueTriggerSpec = {
      kind: "queue",
      name: "slowWorker",
      queueName,
      handler: async () => {
        running++;
        mostAtOnce = Math.max(mostAtOnce, running);
        await released;
        running--;
        handled++;
      },
    };
    const queue = service.getQueueClient(queueName);
    await queue.createIfNotExists();
    for (let index = 0; index < 12; index++) await queue.sendMessage(encodeQueueMessage({ index }));
    const runner = await startQueueRunner([spec], {
      queueClientFor: (name) => service.getQueueClient(name),
      hostOptions: {
        ...DEFAULT_QUEUE_HOST_OPTIONS,
        batchSize: 4,
        newBatchThreshold: 5,
        maxPollingIntervalMs: 100,
      },
      log: () => {},
    });
    try {
      // With every handler held, the runner takes batches while at most 5 run: 4, then 4 more, and stops at 8
      // (never more than batchSize + newBatchThreshold); one batch at a time would stop at 4.
      await waitUntil(() => Promise.resolve(running === 8), 10_000);
      await sleep(500);
      expect(running).toBe(8);
      release();
      await waitUntil(async () => handled === 12 && (await messageCount(queue)) === 0, 10_000);
    } finally {
      release();
      await runner.stop();
    }
    expect(mostAtOnce).toBe(8);
  });

  it("sends a message that is not base64 to the poison queue as a failure", async () => {
    const service = queueService();
    const queueName = `${uniqueStoragePrefix()}-work`;
    let calls = 0;
    const spec: QueueTriggerSpec = {
      kind: "queue",
      name: "worker",
      queueName,
      handler: () => {
        calls += 1;
      },
    };
    const runner = await startQueueRunner([spec], {
      queueClientFor: (name) => service.getQueueClient(name),
      hostOptions: { ...DEFAULT_QUEUE_HOST_OPTIONS, maxDequeueCount: 2, maxPollingIntervalMs: 200 },
      log: () => {},
    });
    const poison = service.getQueueClient(`${queueName}-poison`);
    try {
      await service.getQueueClient(queueName).sendMessage("{not base64}");
      await waitUntil(async () => (await messageCount(poison)) === 1, 10_000);
    } finally {
      await runner.stop();
    }
    expect(calls).toBe(0);
  });
});
