import { afterAll, beforeAll, describe, expect, it } from "vitest";
import type { RunningLocalHost } from "../../../src/host/local/local-host.js";
import { startTrialLocalHost, type TrialLocalHost } from "../../support/trial-local-host.js";
import type { SandboxJob } from "../../../src/host/local/sandbox-v2.js";

/**
 * Azure ML v2 targets on the local host (CONTRACT 5, 7): its v2 sandbox answers as Resource Manager and a batch
 * endpoint do, and the host points AML_ARM_BASE_URL at it, so every trigger reaches a v2 target with no workspace.
 */

const SANDBOX_WORKSPACE =
  "/subscriptions/00000000-0000-0000-0000-000000000000/resourceGroups/local/providers/" +
  "Microsoft.MachineLearningServices/workspaces/sandbox";

let trial: TrialLocalHost;
let host: RunningLocalHost;

beforeAll(async () => {
  trial = await startTrialLocalHost("v2-local");
  host = trial.host;
});
afterAll(async () => {
  await trial.stop();
});

function call(method: string, route: string, body?: unknown): Promise<Response> {
  return fetch(`${host.apiUrl}${route}`, {
    method,
    ...(body === undefined
      ? {}
      : { headers: { "Content-Type": "application/json" }, body: JSON.stringify(body) }),
  });
}

async function until(done: () => boolean, what: string): Promise<void> {
  const deadline = Date.now() + 30_000;
  while (!done()) {
    if (Date.now() > deadline) throw new Error(`Timed out waiting for ${what}`);
    await new Promise((resolve) => setTimeout(resolve, 200));
  }
}

const jobsOf = (kind: SandboxJob["kind"], experiment: string) =>
  host.v2Sandbox.jobs.filter((job) => job.kind === kind && JSON.stringify(job.body).includes(experiment));

describe("v2 targets on the local host", () => {
  it(
    "fires a batch endpoint and a pipeline component once per new blob, the blob as a UriFile input",
    { timeout: 90_000 },
    async () => {
      const watched = (name: string, target: Record<string, unknown>, extra: Record<string, unknown> = {}) =>
        call("POST", "/schedules", {
          name,
          experimentName: name,
          target,
          parameterAssignments: { threshold: 0.5 },
          ...extra,
          trigger: {
            type: "datastore",
            datastoreName: "workspaceblobstore",
            pathOnDatastore: "incoming",
            pollingIntervalMinutes: 1,
            dataPathParameterName: "input_data",
          },
        });
      const endpoint = await watched(
        "v2-endpoint",
        { batchEndpoint: "scorer", deployment: "blue" },
        { outputs: { scores: { datastoreName: "workspaceblobstore", path: "scored/{runId}/" } } },
      );
      expect(endpoint.status).toBe(201);
      const component = await watched("v2-component", {
        pipelineComponent: "train",
        compute: "cpu-cluster",
      });
      expect(component.status).toBe(201);

      // Two blobs through the local host's upload route; a bad path is a 400 naming the field.
      const badUpload = await call("PUT", "/dev/blobs/workspaceblobstore/incoming/..%2Fx.csv", {
        content: "1",
      });
      expect(badUpload.status).toBe(400);
      expect(JSON.stringify(await badUpload.json())).toContain("path");
      for (const name of ["incoming/a.csv", "incoming/b.csv"]) {
        const uploaded = await call("PUT", `/dev/blobs/workspaceblobstore/${name}`, { content: "1,2\n" });
        expect(uploaded.status).toBe(201);
      }

      const tick = await call("POST", "/dev/tick", { now: new Date(Date.now() + 2 * 60_000).toISOString() });
      expect(tick.status).toBe(200);
      await until(
        () =>
          jobsOf("invoke", "v2-endpoint").length >= 2 && jobsOf("pipelineJob", "v2-component").length >= 2,
        "two invokes and two pipeline jobs",
      );
      // Anything more would arrive within a few queue polls.
      await new Promise((resolve) => setTimeout(resolve, 3_000));

      const invokes = jobsOf("invoke", "v2-endpoint");
      expect(invokes).toHaveLength(2);
      const invokedInputs = invokes
        .map(
          (job) => (job.body as { properties: { InputData: Record<string, unknown> } }).properties.InputData,
        )
        .map((inputs) => inputs.input_data);
      expect(invokedInputs).toEqual(
        expect.arrayContaining([
          { JobInputType: "UriFile", Uri: "azureml://datastores/workspaceblobstore/paths/incoming/a.csv" },
          { JobInputType: "UriFile", Uri: "azureml://datastores/workspaceblobstore/paths/incoming/b.csv" },
        ]),
      );
      for (const job of invokes) {
        expect(job).toMatchObject({ endpoint: "scorer", deployment: "blue", authorized: false });
        expect(job.body).toMatchObject({
          properties: {
            InputData: { threshold: { JobInputType: "Literal", Value: 0.5 } },
            properties: { experimentName: "v2-endpoint" },
          },
        });
      }
      // Two runs, two output folders: each run's id is in its path.
      const outputUris = invokes.map(
        (job) =>
          (job.body as { properties: { OutputData: { scores: { Uri: string } } } }).properties.OutputData
            .scores.Uri,
      );
      expect(new Set(outputUris).size).toBe(2);

      const pipelineJobs = jobsOf("pipelineJob", "v2-component");
      expect(pipelineJobs).toHaveLength(2);
      for (const job of pipelineJobs) {
        expect(job.authorized).toBe(false);
        expect(job.body).toMatchObject({
          properties: {
            jobType: "Pipeline",
            componentId: `${SANDBOX_WORKSPACE}/components/train/versions/1`,
            experimentName: "v2-component",
            settings: { default_compute: "cpu-cluster" },
            inputs: { threshold: { jobInputType: "literal", value: "0.5" } },
          },
        });
      }
      expect(
        pipelineJobs
          .map((job) => (job.body as { properties: { inputs: Record<string, unknown> } }).properties.inputs)
          .map((inputs) => inputs.input_data),
      ).toEqual(
        expect.arrayContaining([
          { jobInputType: "uri_file", uri: "azureml://datastores/workspaceblobstore/paths/incoming/a.csv" },
          { jobInputType: "uri_file", uri: "azureml://datastores/workspaceblobstore/paths/incoming/b.csv" },
        ]),
      );
      // The job name is derived from the run id: the run says the job it started.
      // The worker records the job on the run after the sandbox answered its PUT: poll, not the sleep above.
      const { id: componentScheduleId } = (await component.json()) as { id: string };
      const recordedJobs = async () => {
        const runs = (await (await call("GET", `/schedules/${componentScheduleId}/runs`)).json()) as {
          value: { id: string; pipelineRunId: string | null }[];
        };
        return runs.value.map((run) => run.pipelineRunId).sort();
      };
      await expect
        .poll(recordedJobs, { timeout: 10_000 })
        .toEqual(pipelineJobs.map((job) => job.name).sort());
    },
  );

  for (const [outcome, waitStatus, pipelineStatus] of [
    ["Completed", 200, "Finished"],
    ["Failed", 424, "Failed"],
    ["Canceled", 424, "Canceled"],
  ] as const) {
    it(
      `answers /runs/{id}/wait for a v2 job that ends ${outcome} with ${waitStatus}`,
      { timeout: 60_000 },
      async () => {
        const submitted = await call("POST", "/submit", {
          target: { batchEndpoint: "scorer" },
          experimentName: `wait-${outcome}`,
          parameterAssignments: { sandbox_outcome: outcome, sandbox_status_polls: 2 },
        });
        expect(submitted.status).toBe(202);
        const location = submitted.headers.get("location") ?? "";
        expect(location).toMatch(/\/api\/runs\/[^/]+\/wait$/);

        const statuses: number[] = [];
        let answer: Response;
        const deadline = Date.now() + 40_000;
        for (;;) {
          answer = await fetch(location);
          statuses.push(answer.status);
          if (answer.status !== 202 || Date.now() > deadline) break;
          await new Promise((resolve) => setTimeout(resolve, 300));
        }
        expect(answer.status).toBe(waitStatus);
        expect(statuses.slice(0, -1).every((status) => status === 202)).toBe(true);
        // The wait answers the run with the job's status, in the run's words and the job's own (CONTRACT 7).
        const run = (await answer.json()) as {
          pipelineStatus: string;
          pipelineStatusDetail: string;
          pipelineRunId: string;
        };
        expect(run).toMatchObject({ pipelineStatus, pipelineStatusDetail: outcome });
        expect(host.v2Sandbox.jobs.map((job) => job.name)).toContain(run.pipelineRunId);
      },
    );
  }

  it("refuses v1-only fields on a v2 target and v2 fields on v1, naming the field, creating nothing", async () => {
    const before = host.v2Sandbox.jobs.length;
    const datasets = await call("POST", "/submit", {
      target: { pipelineComponent: "train" },
      experimentName: "bad",
      dataSetDefinitionValueAssignments: { ds: { SavedDataSetReference: { Id: "x" } } },
    });
    expect(datasets.status).toBe(400);
    expect(JSON.stringify(await datasets.json())).toContain("dataSetDefinitionValueAssignments");
    const deployment = await call("POST", "/schedules", {
      name: "bad-deployment",
      experimentName: "bad",
      target: { pipelineComponent: "train", deployment: "blue" },
      trigger: { type: "cron", expression: "0 0 * * *" },
    });
    expect(deployment.status).toBe(400);
    expect(JSON.stringify(await deployment.json())).toContain("target.deployment");
    const outputs = await call("POST", "/schedules", {
      name: "bad-outputs",
      experimentName: "bad",
      target: { pipelineId: "aaaaaaaa-bbbb-cccc-dddd-eeeeeeeeeeee" },
      outputs: { scores: { datastoreName: "workspaceblobstore", path: "x/" } },
      trigger: { type: "cron", expression: "0 0 * * *" },
    });
    expect(outputs.status).toBe(400);
    expect(JSON.stringify(await outputs.json())).toContain("outputs");
    expect(host.v2Sandbox.jobs.length).toBe(before);
    expect((await call("GET", "/schedules?name=bad-deployment")).status).not.toBe(500);
  });
});
