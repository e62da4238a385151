import http from "node:http";
import type { AddressInfo } from "node:net";
import type { TransactionAction } from "@azure/data-tables";
import { createServices } from "../src/host/create-services.js";
import { startEmbeddedAzurite, type EmbeddedAzurite } from "../src/host/local/embedded-azurite.js";
import {
  startQueueRunner,
  type QueueHostOptions,
  type RunningQueues,
} from "../src/host/local/queue-runner.js";
import type { QueueTriggerSpec } from "../src/host/trigger-list.js";
import { allTriggers } from "../src/host/triggers.js";
import { RUN_QUEUE_NAME } from "../src/runs/run-queue.js";
import type { Services } from "../src/api/services.js";
import { timingOnCreate } from "../src/schedules/lifecycle.js";
import { newScheduleId } from "../src/schedule-management/schedule-service.js";
import { scheduleDefinitionSchema } from "../src/schedules/schema.js";
import { forEachConcurrently } from "../src/concurrency.js";
import { runSchedulingPass, type SchedulingDependencies } from "../src/scheduling/scheduling-pass.js";
import { loadSettings } from "../src/settings/settings.js";
import { dueEntity, nameEntity, scheduleEntityFromRecord } from "../src/state/schedule-entities.js";
import { storageAccessFromConnectionString } from "../src/state/storage-clients.js";
import { benchSize, type BenchFigure, type BenchSuite } from "./harness.js";

/**
 * The scheduling pass and the submission path, against a real Azurite (through a counting proxy) and a real
 * HTTP endpoint on loopback:
 * - a pass over 1,000 and over 100,000 Active schedules with 100 of them due: wall time and storage requests;
 * - 5,000 runs due in one pass, from the pass to the last POST, beside a bare fetch loop of equal concurrency;
 * - 2,000 runs due against an endpoint that answers at once, v1 and Azure ML v2 (a batch endpoint) side by side.
 */
export const DUE_AT = "2030-01-07T10:00:00.000Z";
const DUE = 100;
const LARGE = Number(process.env.BENCH_LARGE_SCHEDULES ?? benchSize(100_000, 1_200));
/** BENCH_E2E_RUNS shortens the suite (e.g. 500) where the 5,000-run row would take too long; the row names its size. */
const E2E_RUNS = Number(process.env.BENCH_E2E_RUNS ?? benchSize(5_000, 100));
const INSTANT_RUNS = benchSize(2_000, 100);
const CONCURRENCY = 32;
/**
 * The loopback endpoint answers after this long, the order of Azure ML's PipelineSubmit (which creates the
 * experiment run before answering). A second comparison against an endpoint that answers at once shows what
 * storage alone allows.
 */
const ENDPOINT_LATENCY_MS = 1_000;

export const schedulingSuite: BenchSuite = {
  name: "scheduling",
  async run() {
    const azurite = await startEmbeddedAzurite();
    const proxy = await startCountingProxy(azurite);
    const endpoint = await startEndpoint(ENDPOINT_LATENCY_MS);
    const instantEndpoint = await startEndpoint(0);
    try {
      const small = await measurePass(proxy, endpoint.url, 1_000, "a");
      const large = await measurePass(proxy, endpoint.url, LARGE, "b");
      const bare = await bareFetchLoop(endpoint.url, E2E_RUNS, CONCURRENCY);
      const endToEnd = await measureEndToEnd(azurite.connectionString, endpoint, E2E_RUNS, "e2e");
      const instantBare = await bareFetchLoop(instantEndpoint.url, INSTANT_RUNS, CONCURRENCY);
      const instant = await measureEndToEnd(
        azurite.connectionString,
        instantEndpoint,
        INSTANT_RUNS,
        "instant",
      );
      // The same runs to an Azure ML v2 batch endpoint (batchEndpointUrl): the v2 body, the same worker.
      const instantV2 = await measureEndToEnd(
        azurite.connectionString,
        instantEndpoint,
        INSTANT_RUNS,
        "instantv2",
        { batchEndpointUrl: instantEndpoint.url.replace(/\/submit$/, "/jobs") },
      );
      return [
        { name: "pass, 1,000 schedules (100 due): wall time", value: small.ms, unit: "ms" },
        {
          name: "pass, 1,000 schedules (100 due): storage requests",
          value: small.requests,
          unit: "requests",
        },
        {
          name: `pass, ${LARGE.toLocaleString("en-US")} schedules (100 due): wall time`,
          value: large.ms,
          unit: "ms",
          ratio: large.ms / small.ms,
          goal: "<= 1.5",
        },
        {
          name: `pass, ${LARGE.toLocaleString("en-US")} schedules (100 due): storage requests`,
          value: large.requests,
          unit: "requests",
          ratio: large.requests / small.requests,
          goal: "<= 1.5",
        },
        {
          name: `bare fetch loop, ${E2E_RUNS} POSTs, concurrency ${CONCURRENCY}, endpoint answering in ${ENDPOINT_LATENCY_MS} ms`,
          value: bare,
          unit: "runs/s",
        },
        {
          name: `${E2E_RUNS} runs due in one pass, pass to last POST, endpoint answering in ${ENDPOINT_LATENCY_MS} ms`,
          value: endToEnd,
          unit: "runs/s",
          ratio: endToEnd / bare,
          goal: ">= 0.5",
        },
        {
          name: `bare fetch loop, ${INSTANT_RUNS} POSTs, concurrency ${CONCURRENCY}, endpoint answering at once`,
          value: instantBare,
          unit: "runs/s",
        },
        {
          name: `${INSTANT_RUNS} runs due in one pass, pass to last POST, endpoint answering at once (storage-bound)`,
          value: instant,
          unit: "runs/s",
          ratio: instant / instantBare,
        },
        {
          name: `${INSTANT_RUNS} Azure ML v2 runs (batchEndpointUrl) due in one pass, pass to last invoke, endpoint answering at once`,
          value: instantV2,
          unit: "runs/s",
          ratio: instantV2 / instant,
        },
      ] satisfies BenchFigure[];
    } finally {
      await instantEndpoint.close();
      await endpoint.close();
      await proxy.close();
      await azurite.stop();
    }
  },
};

function progress(line: string): void {
  process.stderr.write(`[scheduling bench] ${line}\n`);
}

export interface CountingProxy {
  connectionString: string;
  requests: number;
  close(): Promise<void>;
}

/** Forwards table and queue requests to Azurite and counts them: the storage requests a pass makes. */
export async function startCountingProxy(azurite: EmbeddedAzurite): Promise<CountingProxy> {
  const agent = new http.Agent({ keepAlive: true, maxSockets: 64 });
  const state = { requests: 0 };
  const forward = (targetPort: number) =>
    http.createServer((request, response) => {
      state.requests++;
      const upstream = http.request(
        {
          host: "127.0.0.1",
          port: targetPort,
          method: request.method,
          path: request.url,
          headers: request.headers,
          agent,
        },
        (answer) => {
          response.writeHead(answer.statusCode ?? 502, answer.headers);
          answer.pipe(response);
        },
      );
      upstream.on("error", () => response.destroy());
      request.pipe(upstream);
    });
  const table = forward(azurite.ports.table);
  const queue = forward(azurite.ports.queue);
  const listen = (server: http.Server) =>
    new Promise<number>((resolve) =>
      server.listen(0, "127.0.0.1", () => resolve((server.address() as AddressInfo).port)),
    );
  const [tablePort, queuePort] = [await listen(table), await listen(queue)];
  const connectionString = azurite.connectionString
    .replace(`:${azurite.ports.table}/`, `:${tablePort}/`)
    .replace(`:${azurite.ports.queue}/`, `:${queuePort}/`);
  return {
    connectionString,
    get requests() {
      return state.requests;
    },
    close: async () => {
      await Promise.all([table, queue].map((server) => new Promise((resolve) => server.close(resolve))));
      agent.destroy();
    },
  };
}

export async function servicesFor(
  connectionString: string,
  prefix: string,
  now: () => Date,
  env: Record<string, string> = {},
): Promise<Services> {
  return createServices(loadSettings({ ...env, AzureWebJobsStorage: connectionString }), {
    storagePrefix: prefix,
    allowLoopbackEndpoints: true,
    clock: now,
    log: () => undefined,
  });
}

/**
 * Writes schedules straight into the tables, as the store lays them out: name and schedule rows one by one
 * (each in its own partition), due rows in entity group transactions per minute partition. The schedules that
 * are not due are spread over 1,000 minutes of 1 December 2030: Azurite scans a whole partition on every insert,
 * so 100,000 due rows in one minute would make seeding quadratic (real Azure tables do not care).
 */
export async function seedSchedules(
  connectionString: string,
  prefix: string,
  total: number,
  due: number,
  endpointUrl: string,
  dueTrigger: Record<string, unknown> = {
    type: "recurrence",
    frequency: "Minute",
    interval: 1,
    startTime: DUE_AT,
  },
  /** The schedules' target; a v1 `endpointUrl` target at `endpointUrl` unless given. */
  target: Record<string, string> = { endpointUrl },
): Promise<void> {
  const storage = storageAccessFromConnectionString(connectionString);
  const schedulesTable = storage.tableClient(`${prefix}schedules`);
  const dueTable = storage.tableClient(`${prefix}scheduledue`);
  const createdAt = new Date("2030-01-02T00:00:00.000Z");
  const rows: ReturnType<typeof nameEntity>[] = [];
  const dueByMinute = new Map<string, TransactionAction[]>();
  for (let index = 0; index < total; index++) {
    // About 100 due rows per minute partition at 100,000 schedules: one full transaction each.
    const minute = index % 1000;
    const trigger =
      index < due
        ? dueTrigger
        : {
            type: "cron",
            expression: `${minute % 60} ${Math.floor(minute / 60)} 1 12 *`,
          };
    const definition = scheduleDefinitionSchema.parse({
      name: `bench-${index}`,
      experimentName: "Bench",
      target,
      trigger,
    });
    const record = {
      id: newScheduleId(),
      definition,
      createdAt: createdAt.toISOString(),
      updatedAt: createdAt.toISOString(),
      ...timingOnCreate(definition, createdAt),
    };
    rows.push(nameEntity(definition.name, record.id, createdAt), scheduleEntityFromRecord(record));
    if (record.dueAt !== null) {
      const entity = dueEntity(record.dueAt, record.id, createdAt);
      const actions = dueByMinute.get(entity.partitionKey) ?? [];
      actions.push(["create", entity]);
      dueByMinute.set(entity.partitionKey, actions);
    }
  }
  // An entity group transaction holds at most 100 operations.
  const dueBatches = [...dueByMinute.values()].flatMap((actions) =>
    Array.from({ length: Math.ceil(actions.length / 100) }, (_, n) => actions.slice(n * 100, n * 100 + 100)),
  );
  const startedAt = performance.now();
  let done = 0;
  await forEachConcurrently(rows, 32, async (entity) => {
    await schedulesTable.createEntity(entity);
    if (++done % 20_000 === 0)
      progress(`seeded ${done} of ${rows.length} rows in ${Math.round(performance.now() - startedAt)} ms`);
  });
  await forEachConcurrently(dueBatches, 8, async (actions) => {
    await dueTable.submitTransaction(actions);
  });
  progress(`seeded ${total} schedules in ${Math.round(performance.now() - startedAt)} ms`);
}

/**
 * The pass as of its own instant, without issue 15's look-ahead: these schedules fire every minute, and a pass that
 * also claimed the next minute's occurrence would count twice the runs, unlike the figures before look-ahead. The
 * look-ahead pass is measured by the timing suite (bench/timing.ts), on daily schedules.
 */
function withoutLookAhead(deps: SchedulingDependencies): SchedulingDependencies {
  const { lookAheadUntil: _claimsAhead, ...asOfNow } = deps;
  return asOfNow;
}

async function measurePass(
  proxy: CountingProxy,
  endpointUrl: string,
  total: number,
  prefix: string,
): Promise<{ ms: number; requests: number }> {
  let now = new Date(DUE_AT);
  const services = await servicesFor(proxy.connectionString, `p${prefix}`, () => now);
  await seedSchedules(proxy.connectionString, `p${prefix}`, total, DUE, endpointUrl);
  const deps = withoutLookAhead(services.firing);
  const samples: { ms: number; requests: number }[] = [];
  // Two passes, one minute apart: both fire the 100 due schedules; later ones would also meet the sweep of
  // runs that no worker settled here.
  for (let minute = 0; minute < 2; minute++) {
    now = new Date(Date.parse(DUE_AT) + minute * 60_000 + 1_000);
    const requestsBefore = proxy.requests;
    const startedAt = performance.now();
    const { runs } = await runSchedulingPass(deps, now);
    samples.push({ ms: performance.now() - startedAt, requests: proxy.requests - requestsBefore });
    progress(
      `pass over ${total} schedules: ${Math.round(samples.at(-1)?.ms ?? 0)} ms, ${samples.at(-1)?.requests} requests`,
    );
    if (runs.length !== DUE) throw new Error(`expected ${DUE} runs from the pass, got ${runs.length}`);
  }
  return {
    ms: samples.reduce((sum, sample) => sum + sample.ms, 0) / samples.length,
    requests: samples.reduce((sum, sample) => sum + sample.requests, 0) / samples.length,
  };
}

export interface Endpoint {
  url: string;
  received: () => number;
  close(): Promise<void>;
}

export async function startEndpoint(latencyMs: number): Promise<Endpoint> {
  let received = 0;
  const server = http.createServer((request, response) => {
    request.resume();
    request.on("end", () => {
      setTimeout(() => {
        received++;
        response.writeHead(200, { "Content-Type": "application/json" });
        // `Id` as PipelineSubmit answers; `name` and `id` as a batch endpoint's invoke does (CONTRACT 7).
        response.end(
          JSON.stringify({
            Id: `run-${received}`,
            name: `batchjob-${received}`,
            id: `/jobs/batchjob-${received}`,
          }),
        );
      }, latencyMs);
    });
  });
  server.keepAliveTimeout = 30_000;
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
  const { port } = server.address() as AddressInfo;
  return {
    url: `http://127.0.0.1:${port}/submit`,
    received: () => received,
    close: () => new Promise((resolve) => server.close(() => resolve())),
  };
}

/**
 * From the start of one pass over `count` due schedules to the last POST, with CONCURRENCY queue workers, on
 * Azurite directly (no counting proxy in the way).
 */
async function measureEndToEnd(
  connectionString: string,
  endpoint: Endpoint,
  count: number,
  prefix: string,
  target?: Record<string, string>,
): Promise<number> {
  let now = new Date(DUE_AT);
  const services = await servicesFor(connectionString, prefix, () => now);
  await seedSchedules(connectionString, prefix, count, count, endpoint.url, undefined, target);
  now = new Date(Date.parse(DUE_AT) + 1_000);
  const before = endpoint.received();
  const startedAt = performance.now();
  const workers = await startSubmissionWorkers(services, connectionString, prefix, {
    maxDequeueCount: 5,
    batchSize: CONCURRENCY,
    visibilityTimeoutSeconds: 30,
    maxPollingIntervalMs: 100,
    messageEncoding: "none",
  });
  const { runs } = await runSchedulingPass(withoutLookAhead(services.firing), now);
  if (runs.length !== count) throw new Error(`expected ${count} runs, got ${runs.length}`);
  while (endpoint.received() - before < count) await new Promise((resolve) => setTimeout(resolve, 20));
  const seconds = (performance.now() - startedAt) / 1000;
  await workers.stop();
  progress(`${count} runs from pass to last POST in ${seconds.toFixed(1)} s`);
  return count / seconds;
}

/**
 * The submission queue's trigger from the one trigger list both hosts serve (its decoding of host.json's
 * messageEncoding included), run by the local host's queue runner on the bench's prefixed queue.
 */
export async function startSubmissionWorkers(
  services: Services,
  connectionString: string,
  prefix: string,
  hostOptions: QueueHostOptions,
): Promise<RunningQueues> {
  const storage = storageAccessFromConnectionString(connectionString);
  const spec = allTriggers(() => Promise.resolve(services)).find(
    (trigger): trigger is QueueTriggerSpec =>
      trigger.kind === "queue" && trigger.name === "submitPipelineRun",
  );
  if (spec === undefined) throw new Error("no queue trigger submitPipelineRun in the trigger list");
  return startQueueRunner([{ ...spec, queueName: `${prefix}-${RUN_QUEUE_NAME}` }], {
    queueClientFor: (name) => storage.queueClient(name),
    hostOptions,
    log: () => undefined,
  });
}

/** The peer: the same POSTs straight from a loop of fetches with the same concurrency. */
export async function bareFetchLoop(url: string, count: number, concurrency: number): Promise<number> {
  const body = JSON.stringify({ ExperimentName: "Bench", ParameterAssignments: {}, RunSource: "API" });
  const startedAt = performance.now();
  await forEachConcurrently(
    Array.from({ length: count }, (_, index) => index),
    concurrency,
    async () => {
      const response = await fetch(url, {
        method: "POST",
        headers: { "Content-Type": "application/json" },
        body,
      });
      await response.text();
    },
  );
  return count / ((performance.now() - startedAt) / 1000);
}
