import { TableClient } from "@azure/data-tables";
import type { AccessToken, TokenCredential } from "@azure/identity";
import { QueueClient } from "@azure/storage-queue";
import { afterEach, beforeEach, describe, expect, it } from "vitest";
import { decodeQueueMessage } from "../../src/state/queue-message.js";
import { startQueueRunner, type RunningQueues } from "../../src/host/local/queue-runner.js";
import { newRunId } from "../../src/runs/run-ids.js";
import { StorageRunQueue } from "../../src/runs/run-queue.js";
import { newPendingRun, type RunRecord } from "../../src/runs/run-record.js";
import { TableRunStore } from "../../src/runs/table-run-store.js";
import { postPipelineRun } from "../../src/submit/pipeline-client.js";
import type { AmlSubmitBody } from "../../src/submit/request-body.js";
import {
  ATTEMPT_LEASE_MS,
  submitQueuedRun,
  type SubmissionDependencies,
} from "../../src/submit/submission-worker.js";
import { UNSETTLED_GRACE_MS } from "../../src/runs/run-store.js";
import { resendUnsettledRuns } from "../../src/scheduling/scheduling-pass.js";
import {
  startScriptedEndpoint,
  type EndpointBehaviour,
  type ScriptedEndpoint,
} from "../support/scripted-endpoint.js";
import { testStorageConnectionString, uniqueStoragePrefix } from "../support/storage.js";

const SCHEDULE_ID = "0123456789abcdef0123456789abcdef";
const BODY: AmlSubmitBody = {
  ExperimentName: "exp",
  ParameterAssignments: { n: "20" },
  DataPathAssignments: {},
  RunSource: "API",
  ContinueOnStepFailure: false,
  Description: "Scheduled by nightly for 2026-11-21T10:00:00.000Z",
  Tags: { scheduleId: SCHEDULE_ID, scheduleName: "nightly", scheduledFor: "2026-11-21T10:00:00.000Z" },
};

const neverCalledCredential: TokenCredential = {
  getToken(): Promise<AccessToken | null> {
    throw new Error("no token may be asked for a host outside AML_TOKEN_HOSTS");
  },
};

interface Harness {
  runs: TableRunStore;
  queue: StorageRunQueue;
  poison: QueueClient;
  endpoint: ScriptedEndpoint;
  deps: SubmissionDependencies;
  posts: number;
  /** The Retry-After (ms) the worker passed to the backoff for each retry. */
  retryAfters: (number | null)[];
  nowMs: number;
  runner?: RunningQueues;
}

async function harness(
  script: EndpointBehaviour[],
  options: { maxAttempts?: number } = {},
): Promise<Harness> {
  const prefix = uniqueStoragePrefix();
  const connectionString = testStorageConnectionString();
  const runs = new TableRunStore(
    TableClient.fromConnectionString(connectionString, `${prefix}runs`, { allowInsecureConnection: true }),
    TableClient.fromConnectionString(connectionString, `${prefix}unsettled`, {
      allowInsecureConnection: true,
    }),
  );
  await runs.ensureCreated();
  const queueClient = new QueueClient(connectionString, `${prefix}-runs`);
  const poison = new QueueClient(connectionString, `${prefix}-runs-poison`);
  const queue = new StorageRunQueue(queueClient, poison);
  await queue.ensureCreated();
  const endpoint = await startScriptedEndpoint(script);
  const h: Harness = {
    runs,
    queue,
    poison,
    endpoint,
    posts: 0,
    retryAfters: [],
    nowMs: Date.parse("2026-11-21T10:00:00.000Z"),
    deps: undefined as unknown as SubmissionDependencies,
  };
  h.deps = {
    runs,
    queue,
    post: (run) => {
      h.posts++;
      return postPipelineRun({
        url: new URL(run.endpointUrl),
        body: run.request as unknown as AmlSubmitBody,
        tokenProvider: neverCalledCredential,
        tokenScope: "https://management.azure.com/.default",
        tokenHosts: ["*.api.azureml.ms"],
        endpointPolicy: { allowedHosts: ["*.api.azureml.ms"], allowLoopback: true },
        timeoutMs: 400,
      });
    },
    clock: () => new Date(h.nowMs),
    retryDelayMs: (_attempt, retryAfterMs) => {
      h.retryAfters.push(retryAfterMs);
      return retryAfterMs ?? 1000;
    },
    maxAttempts: options.maxAttempts ?? 5,
    log: () => undefined,
  };
  h.runner = await startQueueRunner(
    [
      {
        kind: "queue",
        name: "submitPipelineRun",
        queueName: `${prefix}-runs`,
        handler: (message, context) =>
          submitQueuedRun(h.deps, message, {
            dequeueCount: Number(context.triggerMetadata?.dequeueCount ?? 1),
            maxDequeueCount: 5,
          }),
      },
    ],
    {
      queueClientFor: (name) => new QueueClient(connectionString, name),
      hostOptions: {
        maxDequeueCount: 5,
        batchSize: 16,
        visibilityTimeoutSeconds: 0,
        maxPollingIntervalMs: 200,
      },
      log: () => undefined,
    },
  );
  return h;
}

async function createAndEnqueue(h: Harness): Promise<RunRecord> {
  const createdAt = new Date(h.nowMs);
  const run = newPendingRun({
    id: newRunId(SCHEDULE_ID, createdAt),
    scheduleId: SCHEDULE_ID,
    scheduleName: "nightly",
    reason: "recurrence",
    scheduledFor: createdAt.toISOString(),
    createdAt: createdAt.toISOString(),
    request: BODY as unknown as Record<string, unknown>,
    endpointUrl: `${h.endpoint.url}/pipelines/v1.0/PipelineRuns/PipelineSubmit/p1`,
  });
  const result = await h.runs.create(run);
  if (!result.created) throw new Error("not created");
  await h.queue.enqueue(run.id);
  return result.run;
}

/** Moves the harness clock along with real time, as retries wait for real queue visibility delays. */
async function settled(h: Harness, runId: string, timeoutMs = 20_000): Promise<RunRecord> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const run = await h.runs.get(runId);
    if (run && run.status !== "Pending") return run;
    if (Date.now() > deadline)
      throw new Error(`run still ${run?.status} after ${timeoutMs} ms: ${JSON.stringify(run)}`);
    await new Promise((resolve) => setTimeout(resolve, 100));
    h.nowMs += 100;
  }
}

async function poisonMessages(h: Harness): Promise<unknown[]> {
  const peeked = await h.poison.peekMessages({ numberOfMessages: 32 });
  return peeked.peekedMessageItems.map((item) => decodeQueueMessage(item.messageText));
}

describe("submission worker against a real endpoint and queue", () => {
  let h: Harness | undefined;
  beforeEach(() => {
    h = undefined;
  });
  afterEach(async () => {
    await h?.runner?.stop();
    await h?.endpoint.close();
  });

  it("submits once and records the endpoint's Id and exactly the contract body", async () => {
    h = await harness([{ status: 200, body: { Id: "aml-run-1" } }]);
    const run = await createAndEnqueue(h);
    const done = await settled(h, run.id);
    expect(done).toMatchObject({
      status: "Submitted",
      attempts: 1,
      pipelineRunId: "aml-run-1",
      httpStatus: 200,
      error: null,
    });
    expect(done.submittedAt).not.toBeNull();
    expect(h.endpoint.received).toHaveLength(1);
    expect(h.endpoint.received[0]?.body).toEqual(BODY);
    expect(h.endpoint.received[0]?.headers.authorization).toBeUndefined();
    // The run is recorded Submitted before it leaves the unsettled list, so that removal may still be under way.
    const { runs } = h;
    await expect
      .poll(() => runs.listUnsettled(new Date("2030-01-01T00:00:00Z"), 10), { timeout: 10_000 })
      .toEqual([]);
  });

  it.each<[string, EndpointBehaviour]>([
    [
      "429 with Retry-After",
      { status: 429, headers: { "Retry-After": "1" }, body: { error: { message: "slow down" } } },
    ],
    ["503", { status: 503, body: { Message: "busy" } }],
    ["a connection reset", { reset: true }],
    ["a hang past the timeout", { hangMs: 2_000 }],
  ])("retries after %s and ends Submitted with attempts > 1", async (name, failure) => {
    h = await harness([failure, { status: 200, body: { PipelineRunId: "aml-run-2" } }]);
    const run = await createAndEnqueue(h);
    const done = await settled(h, run.id);
    expect(done).toMatchObject({
      status: "Submitted",
      attempts: 2,
      pipelineRunId: "aml-run-2",
      httpStatus: 200,
    });
    expect(h.endpoint.received.length).toBe(2);
    expect(h.retryAfters).toEqual([name.startsWith("429") ? 1000 : null]);
  });

  it("records a 400 as Failed with the endpoint's message after exactly one POST", async () => {
    h = await harness([{ status: 400, body: { error: { message: "Parameter 'pipeline_arg' is unknown" } } }]);
    const run = await createAndEnqueue(h);
    const done = await settled(h, run.id);
    expect(done).toMatchObject({
      status: "Failed",
      attempts: 1,
      httpStatus: 400,
      error: "Parameter 'pipeline_arg' is unknown",
    });
    await new Promise((resolve) => setTimeout(resolve, 500));
    expect(h.endpoint.received).toHaveLength(1);
    expect(await poisonMessages(h)).toEqual([]);
  });

  it("fails the run and parks the message in the poison queue when the endpoint stays down", async () => {
    h = await harness([{ status: 503, body: { Message: "down" } }], { maxAttempts: 3 });
    const run = await createAndEnqueue(h);
    const done = await settled(h, run.id);
    expect(done).toMatchObject({ status: "Failed", attempts: 3, httpStatus: 503 });
    expect(done.error).toBe("Gave up after 3 attempts: down");
    expect(h.endpoint.received).toHaveLength(3);
    // The run is recorded Failed before the message goes to the poison queue, so the send may still be under way.
    const harnessNow = h;
    await expect.poll(() => poisonMessages(harnessNow), { timeout: 10_000 }).toEqual([{ runId: run.id }]);
  });

  it("after a crash between the POST and recording it, posts again (at least once) and records attempt 2", async () => {
    h = await harness([{ status: 200, body: { Id: "aml-run-crash" } }]);
    const deps = h.deps;
    const realPost = (run: RunRecord) => deps.post(run);
    let crashes = 1;
    h.deps = {
      ...deps,
      post: async (run) => {
        const outcome = await realPost(run);
        if (crashes-- > 0) throw new Error("instance died after the POST, before recording it");
        return outcome;
      },
    };
    const run = await createAndEnqueue(h);
    await new Promise((resolve) => setTimeout(resolve, 1_500));
    const stuck = await h.runs.get(run.id);
    expect(stuck).toMatchObject({ status: "Pending", attempts: 1 });
    expect(h.endpoint.received).toHaveLength(1);
    // Past the attempt's lease and the unsettled grace period, the sweep of the next pass sends it again.
    h.nowMs += ATTEMPT_LEASE_MS + UNSETTLED_GRACE_MS;
    await resendUnsettledRuns({ runs: h.runs, queue: h.queue, log: () => undefined }, new Date(h.nowMs));
    const done = await settled(h, run.id);
    expect(done).toMatchObject({ status: "Submitted", attempts: 2, pipelineRunId: "aml-run-crash" });
    expect(h.endpoint.received).toHaveLength(2);
  });

  it("submits each run of a shared message once; one that throws fails the message, and its redelivery sends none again", async () => {
    h = await harness([{ status: 200 }]);
    const [a, b, c] = [await createAndEnqueue(h), await createAndEnqueue(h), await createAndEnqueue(h)];
    await Promise.all([a, b, c].map((run) => settled(h as Harness, run.id)));
    expect(h.endpoint.received).toHaveLength(3);
    // Three new runs in one message; the POST of the second throws (a crash of its attempt).
    await h.runner?.stop();
    h.runner = undefined;
    const [x, y, z] = [await createAndEnqueue(h), await createAndEnqueue(h), await createAndEnqueue(h)];
    const deps = h.deps;
    h.deps = {
      ...deps,
      post: (run) => (run.id === y.id ? Promise.reject(new Error("the instance died")) : deps.post(run)),
    };
    const message = { runIds: [x.id, y.id, z.id] };
    const delivery = { dequeueCount: 1, maxDequeueCount: 5 };

    await expect(submitQueuedRun(h.deps, message, delivery)).rejects.toThrow("the instance died");
    expect((await h.runs.get(x.id))?.status).toBe("Submitted");
    expect((await h.runs.get(z.id))?.status).toBe("Submitted");
    expect(await h.runs.get(y.id)).toMatchObject({ status: "Pending", attempts: 1 });
    expect(h.endpoint.received).toHaveLength(5);

    // Delivered again at once: x and z are settled, y's attempt still holds its lease; nothing is sent.
    await expect(submitQueuedRun(h.deps, message, { ...delivery, dequeueCount: 2 })).resolves.toBeUndefined();
    expect(h.endpoint.received).toHaveLength(5);
  });

  it("POSTs a run named twice in one message once", async () => {
    h = await harness([{ status: 200 }]);
    await h.runner?.stop();
    h.runner = undefined;
    const run = await createAndEnqueue(h);
    await submitQueuedRun(h.deps, { runIds: [run.id, run.id] }, { dequeueCount: 1, maxDequeueCount: 5 });
    expect(h.endpoint.received).toHaveLength(1);
    expect(await h.runs.get(run.id)).toMatchObject({ status: "Submitted", attempts: 1 });
  });

  it("ignores a duplicate message for a run that is already settled", async () => {
    h = await harness([{ status: 200 }]);
    const run = await createAndEnqueue(h);
    await settled(h, run.id);
    await h.queue.enqueue(run.id);
    await new Promise((resolve) => setTimeout(resolve, 800));
    expect(h.endpoint.received).toHaveLength(1);
    expect((await h.runs.get(run.id))?.attempts).toBe(1);
  });
});
