import { afterEach, describe, expect, it } from "vitest";
import type { TokenCredential } from "@azure/identity";
import { readRunStatus } from "../../src/pipeline-runs/run-status.js";
import { statusReaders } from "../../src/pipeline-runs/status-readers.js";
import type { RunRecord } from "../../src/runs/run-record.js";
import { runSchedulingPass } from "../../src/scheduling/scheduling-pass.js";
import { scheduleDefinitionSchema } from "../../src/schedules/schema.js";
import { NO_WORKSPACE } from "../../src/submit/endpoint-url.js";
import { newScheduleRun } from "../../src/submit/new-run.js";
import { v2Access } from "../../src/submit/v2/v2-access.js";
import { newV2Run } from "../../src/submit/v2/v2-run.js";
import {
  batchEndpointDirectory,
  submitV2Run,
  type V2SubmitDependencies,
} from "../../src/submit/v2/v2-submit.js";
import {
  checkV2Target,
  v2TargetingFromSettings,
  type V2Targeting,
} from "../../src/submit/v2/v2-targeting.js";
import { ValidationError } from "../../src/errors.js";
import { createFiringStack } from "../support/firing-stack.js";
import { fetchUnderNames } from "../support/tls-endpoint.js";
import { acceptingAnyCertificate } from "../support/tls-recorder.js";
import { startV2StandIn, type V2StandIn } from "../support/v2-standin.js";
import { RecordingCredential } from "./loopback-endpoint.js";

/**
 * Azure ML v2 submissions (CONTRACT 7) against a real server on loopback that answers as Resource Manager and a batch
 * endpoint do and records every request.
 */

const WORKSPACE = { AML_SUBSCRIPTION_ID: "sub-1", AML_RESOURCE_GROUP: "rg-1", AML_WORKSPACE_NAME: "ws-1" };
const WORKSPACE_PATH =
  "/subscriptions/sub-1/resourceGroups/rg-1/providers/Microsoft.MachineLearningServices/workspaces/ws-1";
const ARM_SCOPE = "https://management.azure.com/.default";
const INVOKE_SCOPE = "https://ml.azure.com/.default";
const INVOKE_HOSTS = ["*.inference.ml.azure.com"];
const CREATED_AT = new Date("2026-11-22T10:30:00Z");

const standIns: V2StandIn[] = [];
afterEach(async () => {
  await Promise.all(standIns.splice(0).map((standIn) => standIn.close()));
});

async function standIn(options: { tls?: boolean } = {}): Promise<V2StandIn> {
  const started = await startV2StandIn(options);
  standIns.push(started);
  return started;
}

interface Setup {
  targeting: V2Targeting;
  deps: V2SubmitDependencies;
}

function setup(
  armBaseUrl: string,
  credential: TokenCredential = new RecordingCredential("unused"),
  fetchImpl?: typeof fetch,
): Setup {
  const targeting = v2TargetingFromSettings(
    { ...NO_WORKSPACE, ...WORKSPACE, AML_ARM_BASE_URL: armBaseUrl, AML_INVOKE_TOKEN_HOSTS: INVOKE_HOSTS },
    true,
  );
  const access = v2Access(
    {
      AML_ARM_BASE_URL: armBaseUrl,
      AML_ARM_TOKEN_SCOPE: ARM_SCOPE,
      AML_INVOKE_TOKEN_SCOPE: INVOKE_SCOPE,
      AML_INVOKE_TOKEN_HOSTS: INVOKE_HOSTS,
    },
    credential,
    true,
  );
  const options = {
    timeoutMs: 5_000,
    ...(fetchImpl === undefined ? {} : { fetchImpl }),
    clock: () => CREATED_AT,
  };
  return {
    targeting,
    deps: { targeting, access, options, directory: batchEndpointDirectory(targeting, access, options) },
  };
}

function run(
  targeting: V2Targeting,
  definition: Record<string, unknown>,
  overrides: Partial<RunRecord> = {},
): RunRecord {
  const parsed = scheduleDefinitionSchema.parse({
    name: "s",
    experimentName: "MyExperiment",
    trigger: { type: "cron", expression: "0 0 * * *" },
    ...definition,
  });
  return {
    ...newV2Run(
      {
        id: overrides.id ?? "sched1-8203833999991c2f3ce21",
        scheduleId: "sched1",
        scheduleName: "s",
        reason: "recurrence",
        scheduledFor: new Date("2026-11-22T10:30:00Z"),
        createdAt: CREATED_AT,
        target: parsed.target,
        definition: parsed,
      },
      targeting,
    ),
    attempts: 1,
    etag: "etag",
    ...overrides,
  };
}

const json = (body: string): unknown => JSON.parse(body);

describe("batch endpoints", () => {
  it("looks the endpoint up through Resource Manager once, then invokes it with the exact body and header", async () => {
    const server = await standIn();
    const { targeting, deps } = setup(server.origin);
    const definition = {
      target: { batchEndpoint: "scorer", deployment: "blue" },
      parameterAssignments: { pipeline_arg: 20, mode: "fast", strict: true },
      dataPathAssignments: {
        input_data: { dataStoreName: "workspaceblobstore", relativePath: "incoming/daily/f.csv" },
        history: { dataStoreName: "workspaceblobstore", relativePath: "history/" },
      },
      outputs: { scores: { datastoreName: "workspaceblobstore", path: "scored/{runId}/{scheduledFor}/" } },
    };
    const first = await submitV2Run(run(targeting, definition), deps);
    const second = await submitV2Run(run(targeting, definition, { id: "sched1-other" }), deps);

    expect(first).toMatchObject({ kind: "submitted", httpStatus: 200 });
    expect(first.kind === "submitted" ? first.pipelineRunId : "").toMatch(/^batchjob-/);
    expect(second.kind).toBe("submitted");
    const lookups = server.received.filter((request) => request.method === "GET");
    expect(lookups.map((request) => request.path)).toEqual([
      `${WORKSPACE_PATH}/batchEndpoints/scorer?api-version=2024-10-01`,
    ]);
    // Loopback: no token of either kind, whatever the lists say (CONTRACT 6).
    expect(server.received.every((request) => request.headers.authorization === undefined)).toBe(true);
    const invokes = server.received.filter((request) => request.method === "POST");
    expect(invokes.map((request) => request.path)).toEqual([
      "/endpoints/scorer/jobs",
      "/endpoints/scorer/jobs",
    ]);
    expect(invokes[0]?.headers["azureml-model-deployment"]).toBe("blue");
    expect(invokes[0]?.headers["content-type"]).toBe("application/json");
    expect(json(invokes[0]?.body ?? "")).toEqual({
      properties: {
        InputData: {
          pipeline_arg: { JobInputType: "Literal", Value: 20 },
          mode: { JobInputType: "Literal", Value: "fast" },
          strict: { JobInputType: "Literal", Value: true },
          input_data: {
            JobInputType: "UriFile",
            Uri: "azureml://datastores/workspaceblobstore/paths/incoming/daily/f.csv",
          },
          history: {
            JobInputType: "UriFolder",
            Uri: "azureml://datastores/workspaceblobstore/paths/history/",
          },
        },
        OutputData: {
          scores: {
            JobOutputType: "UriFolder",
            Uri: "azureml://datastores/workspaceblobstore/paths/scored/sched1-8203833999991c2f3ce21/20261122T103000Z/",
          },
        },
        properties: { experimentName: "MyExperiment" },
      },
    });
  });

  it("sends no deployment header without a deployment, and invokes a batchEndpointUrl without a lookup", async () => {
    const server = await standIn();
    const { targeting, deps } = setup(server.origin);
    const outcome = await submitV2Run(
      run(targeting, { target: { batchEndpointUrl: `${server.origin}/endpoints/direct/jobs` } }),
      deps,
    );
    expect(outcome.kind).toBe("submitted");
    expect(server.received.map((request) => `${request.method} ${request.path}`)).toEqual([
      "POST /endpoints/direct/jobs",
    ]);
    expect(server.received[0]?.headers["azureml-model-deployment"]).toBeUndefined();
  });

  it("looks the endpoint up again once after a 404 and invokes the new URI; a second 404 is final", async () => {
    const server = await standIn();
    const { targeting, deps } = setup(server.origin);
    const scorer = run(targeting, { target: { batchEndpoint: "scorer" } });
    expect((await submitV2Run(scorer, deps)).kind).toBe("submitted");

    // The endpoint is recreated: the cached URI answers 404, the lookup the new one.
    server.fault(/^POST \/endpoints\/scorer\/jobs$/, { status: 404, json: { error: { message: "gone" } } });
    server.scoringUris.set("scorer", `${server.origin}/endpoints/scorer-v2/jobs`);
    const moved = await submitV2Run(scorer, deps);
    expect(moved.kind).toBe("submitted");
    expect(server.received.map((request) => `${request.method} ${request.path.split("?")[0] ?? ""}`)).toEqual(
      [
        `GET ${WORKSPACE_PATH}/batchEndpoints/scorer`,
        "POST /endpoints/scorer/jobs",
        "POST /endpoints/scorer/jobs",
        `GET ${WORKSPACE_PATH}/batchEndpoints/scorer`,
        "POST /endpoints/scorer-v2/jobs",
      ],
    );

    server.fault(/^POST /, { status: 404, json: {} });
    server.fault(/^POST /, { status: 404, json: {} });
    const gone = await submitV2Run(scorer, deps);
    expect(gone).toMatchObject({ kind: "final", httpStatus: 404 });
    expect(server.received.filter((request) => request.method === "GET")).toHaveLength(3);
  });

  it("fails the run when a lookup answers a scoring URI off AML_INVOKE_TOKEN_HOSTS, invoking nothing", async () => {
    const server = await standIn();
    const { targeting, deps } = setup(server.origin);
    server.scoringUris.set("scorer", "https://scorer.example.com/jobs");
    const outcome = await submitV2Run(run(targeting, { target: { batchEndpoint: "scorer" } }), deps);
    expect(outcome.kind).toBe("final");
    expect(server.received.filter((request) => request.method === "POST")).toEqual([]);
  });

  it("is retryable on a 503 with its Retry-After, and final on a 400 with the answer's message", async () => {
    const server = await standIn();
    const { targeting, deps } = setup(server.origin);
    const scorer = run(targeting, { target: { batchEndpointUrl: `${server.origin}/endpoints/e/jobs` } });
    server.fault(/^POST /, { status: 503, headers: { "Retry-After": "7" }, json: {} });
    expect(await submitV2Run(scorer, deps)).toMatchObject({
      kind: "retryable",
      httpStatus: 503,
      retryAfterMs: 7_000,
    });
    server.fault(/^POST /, {
      status: 400,
      json: { error: { code: "UserError", message: "Input input_data is not a uri_file" } },
    });
    const refused = await submitV2Run(scorer, deps);
    expect(refused).toMatchObject({ kind: "final", httpStatus: 400 });
    expect(refused.kind === "final" ? refused.message : "").toContain("Input input_data is not a uri_file");
  });
});

describe("pipeline components", () => {
  it("PUTs a pipeline job named by the run id, with componentId, ARM-spelled inputs and settings", async () => {
    const server = await standIn();
    const { targeting, deps } = setup(server.origin);
    const outcome = await submitV2Run(
      run(targeting, {
        target: { pipelineComponent: "train", compute: "cpu-cluster" },
        parameterAssignments: { epochs: 20, rate: 0.5, flag: true, name: "x" },
        dataPathAssignments: { data: { dataStoreName: "workspaceblobstore", relativePath: "in/" } },
        outputs: { model: { datastoreName: "workspaceblobstore", path: "models/{runId}/model.pkl" } },
      }),
      deps,
    );
    expect(outcome).toMatchObject({ kind: "submitted", pipelineRunId: "sched1-8203833999991c2f3ce21" });
    expect(server.received.map((request) => `${request.method} ${request.path}`)).toEqual([
      `GET ${WORKSPACE_PATH}/components/train?api-version=2024-10-01`,
      `PUT ${WORKSPACE_PATH}/jobs/sched1-8203833999991c2f3ce21?api-version=2024-10-01`,
    ]);
    expect(server.received.every((request) => request.headers.authorization === undefined)).toBe(true);
    expect(json(server.received[1]?.body ?? "")).toEqual({
      properties: {
        jobType: "Pipeline",
        componentId: `${WORKSPACE_PATH}/components/train/versions/3`,
        experimentName: "MyExperiment",
        inputs: {
          // Python's str() of each value, as the SDK sends a literal (CONTRACT 7).
          epochs: { jobInputType: "literal", value: "20" },
          rate: { jobInputType: "literal", value: "0.5" },
          flag: { jobInputType: "literal", value: "True" },
          name: { jobInputType: "literal", value: "x" },
          data: { jobInputType: "uri_folder", uri: "azureml://datastores/workspaceblobstore/paths/in/" },
        },
        outputs: {
          model: {
            jobOutputType: "uri_file",
            uri: "azureml://datastores/workspaceblobstore/paths/models/sched1-8203833999991c2f3ce21/model.pkl",
            mode: "Upload",
          },
        },
        settings: { default_compute: "cpu-cluster" },
        jobs: {},
      },
    });
  });

  it("takes a given version without reading the component, and sends no settings without a compute", async () => {
    const server = await standIn();
    const { targeting, deps } = setup(server.origin);
    await submitV2Run(run(targeting, { target: { pipelineComponent: "train", version: "2" } }), deps);
    expect(server.received).toHaveLength(1);
    const body = json(server.received[0]?.body ?? "") as { properties: Record<string, unknown> };
    expect(body.properties.componentId).toBe(`${WORKSPACE_PATH}/components/train/versions/2`);
    expect(body.properties).not.toHaveProperty("settings");
  });

  it("creates exactly one job when the endpoint creates it and then drops the connection", async () => {
    const server = await standIn();
    const { targeting, deps } = setup(server.origin);
    const component = run(targeting, { target: { pipelineComponent: "train", version: "1" } });
    server.fault(/^PUT /, "applyThenReset");
    const lost = await submitV2Run(component, deps);
    expect(lost.kind).toBe("retryable");
    expect(server.jobs.size).toBe(1);

    // The retry (attempt 2) reads the job first, finds it, and PUTs nothing.
    const retried = await submitV2Run({ ...component, attempts: 2 }, deps);
    expect(retried).toMatchObject({ kind: "submitted", pipelineRunId: component.id });
    expect(server.received.filter((request) => request.method === "PUT")).toHaveLength(1);
    expect(server.jobs.size).toBe(1);
  });

  it("PUTs on a retry when the first attempt never reached Resource Manager (the GET answers 404)", async () => {
    const server = await standIn();
    const { targeting, deps } = setup(server.origin);
    const component = run(targeting, { target: { pipelineComponent: "train", version: "1" } });
    server.fault(/^PUT /, "reset");
    expect((await submitV2Run(component, deps)).kind).toBe("retryable");
    expect(server.jobs.size).toBe(0);
    const retried = await submitV2Run({ ...component, attempts: 2 }, deps);
    expect(retried.kind).toBe("submitted");
    expect(server.received.map((request) => request.method)).toEqual(["PUT", "GET", "PUT"]);
    expect(server.jobs.size).toBe(1);
  });
});

describe("v2 status", () => {
  it("reads properties.status and maps it as CONTRACT 7 says, keeping the job's word", async () => {
    const server = await standIn();
    const { targeting, deps } = setup(server.origin);
    server.jobStatuses = ["Queued", "Running", "Finalizing", "Completed"];
    const component = run(targeting, { target: { pipelineComponent: "train", version: "1" } });
    const outcome = await submitV2Run(component, deps);
    const submitted: RunRecord = {
      ...component,
      ...outcome.runUpdate,
      status: "Submitted",
      pipelineRunId: outcome.kind === "submitted" ? outcome.pipelineRunId : null,
    };
    const readers = statusReaders(
      {
        ...NO_WORKSPACE,
        ...WORKSPACE,
        AML_ARM_BASE_URL: server.origin,
        AML_ARM_TOKEN_SCOPE: ARM_SCOPE,
      } as never,
      new RecordingCredential("unused"),
      { allowedHosts: [], allowLoopback: true },
      5_000,
    );
    const seen: unknown[] = [];
    for (let read = 0; read < 4; read++) {
      const status = await readRunStatus(submitted, readers);
      seen.push(status?.kind === "status" ? [status.status, status.detail] : status);
    }
    expect(seen).toEqual([
      ["NotStarted", "Queued"],
      ["Running", "Running"],
      ["Running", "Finalizing"],
      ["Finished", "Completed"],
    ]);
    expect(
      server.received.filter((request) => request.method === "GET").map((request) => request.path),
    ).toEqual(Array(4).fill(`${WORKSPACE_PATH}/jobs/${component.id}?api-version=2024-10-01`));
  });
});

describe("v2 tokens (CONTRACT 6)", () => {
  const ARM_HOST = "management.azure.com";
  const INVOKE_HOST = "scorer.westeurope.inference.ml.azure.com";

  async function namedStandIns() {
    const arm = await standIn({ tls: true });
    const invoke = await standIn({ tls: true });
    arm.scoringUris.set("scorer", `https://${INVOKE_HOST}/endpoints/scorer/jobs`);
    const credential = new RecordingCredential("the-token");
    const byScope: TokenCredential = {
      getToken: (scopes) =>
        Promise.resolve({
          token: scopes === ARM_SCOPE ? "arm-token" : scopes === INVOKE_SCOPE ? "invoke-token" : "other",
          expiresOnTimestamp: Date.UTC(2100, 0, 1),
        }),
    };
    const fetchImpl = fetchUnderNames({
      [ARM_HOST]: arm,
      [INVOKE_HOST]: invoke,
      "evil.example.com": invoke,
    });
    return { arm, invoke, credential, byScope, fetchImpl };
  }

  it("sends the Resource Manager token only to Resource Manager and the invoke token only to the endpoint", async () => {
    const { arm, invoke, byScope, fetchImpl } = await namedStandIns();
    const { targeting, deps } = setup(`https://${ARM_HOST}`, byScope, fetchImpl);
    const outcome = await acceptingAnyCertificate(() =>
      submitV2Run(run(targeting, { target: { batchEndpoint: "scorer" } }), deps),
    );
    expect(outcome.kind).toBe("submitted");
    expect(arm.received.map((request) => request.headers.authorization)).toEqual(["Bearer arm-token"]);
    expect(invoke.received.map((request) => request.headers.authorization)).toEqual(["Bearer invoke-token"]);

    const job = await acceptingAnyCertificate(() =>
      submitV2Run(run(targeting, { target: { pipelineComponent: "train", version: "1" } }), deps),
    );
    expect(job.kind).toBe("submitted");
    expect(arm.received.at(-1)?.method).toBe("PUT");
    expect(arm.received.at(-1)?.headers.authorization).toBe("Bearer arm-token");
    expect(invoke.received).toHaveLength(1);
  });

  it("sends no invoke token to Resource Manager's host and no Resource Manager token to an endpoint host", async () => {
    const { arm, invoke, byScope, fetchImpl } = await namedStandIns();
    // A scoring URI on the ARM host is off AML_INVOKE_TOKEN_HOSTS: refused before anything is sent to it.
    arm.scoringUris.set("scorer", `https://${ARM_HOST}/jobs`);
    const { targeting, deps } = setup(`https://${ARM_HOST}`, byScope, fetchImpl);
    const refused = await acceptingAnyCertificate(() =>
      submitV2Run(run(targeting, { target: { batchEndpoint: "scorer" } }), deps),
    );
    expect(refused.kind).toBe("final");
    expect(arm.received.map((request) => `${request.method} ${request.headers.authorization ?? ""}`)).toEqual(
      ["GET Bearer arm-token"],
    );
    // Resource Manager named as an endpoint host: the ARM base URL alone decides where the ARM token goes.
    const { targeting: wrong, deps: wrongDeps } = setup(`https://${INVOKE_HOST}`, byScope, fetchImpl);
    await acceptingAnyCertificate(() =>
      submitV2Run(run(wrong, { target: { pipelineComponent: "train", version: "1" } }), wrongDeps),
    );
    expect(invoke.received.every((request) => request.headers.authorization !== "Bearer invoke-token")).toBe(
      true,
    );
    expect(invoke.received.at(-1)?.headers.authorization).toBe("Bearer arm-token");
  });

  it("refuses a batchEndpointUrl off AML_INVOKE_TOKEN_HOSTS before any run, naming the field", () => {
    const { targeting } = setup("https://management.azure.com");
    const problem = (url: string) => {
      try {
        checkV2Target({ batchEndpointUrl: url }, targeting);
        return undefined;
      } catch (error) {
        return error instanceof ValidationError ? error.issues : error;
      }
    };
    expect(problem("https://evil.example.com/jobs")).toEqual([
      {
        path: "target.batchEndpointUrl",
        message: expect.stringContaining("AML_INVOKE_TOKEN_HOSTS") as string,
      },
    ]);
    expect(problem("https://scorer.westeurope.inference.ml.azure.com/jobs")).toBeUndefined();
  });
});

describe("v2 runs from the scheduling pass", () => {
  it("catches up every missed occurrence of a v2 schedule, each with its own output path, once", async () => {
    const server = await standIn();
    const stack = await createFiringStack();
    const { targeting, deps } = setup(server.origin);
    stack.scheduling.newRun = (schedule, fire, now) =>
      newScheduleRun(schedule, fire, now, {
        workspace: { ...NO_WORKSPACE, ...WORKSPACE },
        endpoints: { allowedHosts: [], allowLoopback: true },
        v2: targeting,
      });
    stack.submission.post = (queued) => submitV2Run(queued, deps);
    const schedule = await stack.createSchedule(
      {
        name: "v2-catch-up",
        experimentName: "catch",
        target: { batchEndpoint: "scorer" },
        outputs: { scores: { datastoreName: "workspaceblobstore", path: "scored/{scheduledFor}/" } },
        trigger: { type: "recurrence", frequency: "Minute", interval: 15, startTime: "2026-11-21T09:00:00Z" },
        policy: { catchUp: "all", maxCatchUpRuns: 3 },
      },
      new Date("2026-11-21T08:50:00Z"),
    );
    await runSchedulingPass(stack.scheduling, new Date("2026-11-21T09:00:01Z"));
    await runSchedulingPass(stack.scheduling, new Date("2026-11-21T10:03:00Z"));
    await runSchedulingPass(stack.scheduling, new Date("2026-11-21T10:03:30Z"));
    const fired = (await stack.runs.listForSchedule(schedule.id, 100)).items.map(
      (record) => `${record.scheduledFor ?? ""}:${record.reason}`,
    );
    expect(fired.sort()).toEqual([
      "2026-11-21T09:00:00.000Z:recurrence",
      "2026-11-21T09:15:00.000Z:catchUp",
      "2026-11-21T09:30:00.000Z:catchUp",
      "2026-11-21T09:45:00.000Z:catchUp",
      "2026-11-21T10:00:00.000Z:recurrence",
    ]);
    // A message may come twice (a pass re-enqueues what looks stuck); each run is invoked once all the same.
    expect(await stack.drainQueue()).toBeGreaterThanOrEqual(5);
    const uris = server.received
      .filter((request) => request.method === "POST")
      .map(
        (request) =>
          (json(request.body) as { properties: { OutputData: { scores: { Uri: string } } } }).properties
            .OutputData.scores.Uri,
      )
      .map((uri) => uri.replace("azureml://datastores/workspaceblobstore/paths/scored/", ""))
      .sort();
    expect(uris).toEqual([
      "20261121T090000Z/",
      "20261121T091500Z/",
      "20261121T093000Z/",
      "20261121T094500Z/",
      "20261121T100000Z/",
    ]);
    expect(server.received.filter((request) => request.method === "GET")).toHaveLength(1);
  });
});
