import { describe, expect, it } from "vitest";
import {
  deliverRun,
  ENDPOINT_ID,
  jsonOf,
  loopbackWorkspacePerTest,
  PIPELINE_ID,
  postedBodies,
  type ApiOnLoopbackWorkspace,
} from "../api/loopback-workspace.js";

/**
 * CONTRACT 1 and 3: `DataSetDefinitionValueAssignments` (Microsoft's v1 "how to deploy pipelines" page, "Change
 * datasets and datapaths without retraining") is accepted on schedules and on the submit routes and passed to
 * the pipeline endpoint as is.
 */

/** As the docs and the SDK write them, and one the service has never heard of: all go as they came. */
const ASSIGNMENTS = {
  tabular_ds_param: { SavedDataSetReference: { Id: "5b9a8c2e-0000-4000-8000-000000000001" } },
  file_ds_param: { DataSetReference: { Name: "scoring-files", Version: "3" } },
  future_param: { SomethingNew: { Nested: [1, "two", { three: null }] }, Flag: true },
};

const start = loopbackWorkspacePerTest();

const scheduleBody = (extra: Record<string, unknown>) => ({
  name: "datasets",
  target: { pipelineId: PIPELINE_ID },
  experimentName: "Scoring",
  trigger: { type: "cron", expression: "0 0 1 1 *" },
  ...extra,
});

async function runNow(stack: ApiOnLoopbackWorkspace, scheduleId: string): Promise<Record<string, unknown>> {
  const run = await stack.api.call("POST", `/schedules/${scheduleId}/trigger`);
  expect(run.status).toBe(202);
  await deliverRun(stack.api, String((await jsonOf(run)).id));
  return postedBodies(stack.endpoint).at(-1) as Record<string, unknown>;
}

describe("dataSetDefinitionValueAssignments on schedules", () => {
  it("is kept as given and sent as is", async () => {
    const stack = await start();
    const created = await stack.api.call("POST", "/schedules", {
      body: scheduleBody({ dataSetDefinitionValueAssignments: ASSIGNMENTS }),
    });
    expect(created.status).toBe(201);
    const schedule = await jsonOf(created);
    expect(schedule.dataSetDefinitionValueAssignments).toEqual(ASSIGNMENTS);
    const id = String(schedule.id);
    expect(await runNow(stack, id)).toEqual({
      ExperimentName: "Scoring",
      ParameterAssignments: {},
      DataPathAssignments: {},
      DataSetDefinitionValueAssignments: ASSIGNMENTS,
      RunSource: "API",
      Description: "Run now of schedule datasets",
      Tags: { scheduleId: id, scheduleName: "datasets" },
    });
  });

  it("is not sent when the schedule has none", async () => {
    const stack = await start();
    const id = String(
      (await jsonOf(await stack.api.call("POST", "/schedules", { body: scheduleBody({}) }))).id,
    );
    expect(await runNow(stack, id)).not.toHaveProperty("DataSetDefinitionValueAssignments");
  });

  it("is set and removed by merge patches", async () => {
    const stack = await start();
    const id = String(
      (await jsonOf(await stack.api.call("POST", "/schedules", { body: scheduleBody({}) }))).id,
    );
    const set = await stack.api.call("PATCH", `/schedules/${id}`, {
      body: { dataSetDefinitionValueAssignments: { tabular_ds_param: ASSIGNMENTS.tabular_ds_param } },
    });
    expect(set.status).toBe(200);
    expect((await runNow(stack, id)).DataSetDefinitionValueAssignments).toEqual({
      tabular_ds_param: ASSIGNMENTS.tabular_ds_param,
    });
    const removed = await stack.api.call("PATCH", `/schedules/${id}`, {
      body: { dataSetDefinitionValueAssignments: null },
      headers: { "Content-Type": "application/merge-patch+json" },
    });
    expect(removed.status).toBe(200);
    expect(await jsonOf(removed)).not.toHaveProperty("dataSetDefinitionValueAssignments");
    expect(await runNow(stack, id)).not.toHaveProperty("DataSetDefinitionValueAssignments");
  });

  it("refuses more than 100 entries and values that are not objects, naming the field, and creates nothing", async () => {
    const stack = await start();
    const many = Object.fromEntries(
      Array.from({ length: 101 }, (_, index) => [`ds${index}`, ASSIGNMENTS.tabular_ds_param]),
    );
    const cases: [unknown, { path: string; message: string }[]][] = [
      [many, [{ path: "dataSetDefinitionValueAssignments", message: "must have at most 100 entries" }]],
      [
        { ds: "5b9a8c2e", list: [] },
        [
          {
            path: "dataSetDefinitionValueAssignments.ds",
            message:
              'must be a DataSetDefinitionValue object, e.g. { "SavedDataSetReference": { "Id": "<dataset id>" } }',
          },
          {
            path: "dataSetDefinitionValueAssignments.list",
            message:
              'must be a DataSetDefinitionValue object, e.g. { "SavedDataSetReference": { "Id": "<dataset id>" } }',
          },
        ],
      ],
      [
        { "bad name": {} },
        [
          {
            path: "dataSetDefinitionValueAssignments.bad name",
            message: "key must be 1-255 letters, digits, '_', '.' or '-'",
          },
        ],
      ],
    ];
    for (const [assignments, errors] of cases) {
      const response = await stack.api.call("POST", "/schedules", {
        body: scheduleBody({ dataSetDefinitionValueAssignments: assignments }),
      });
      expect(response.status).toBe(400);
      expect((await jsonOf(response)).errors).toEqual(errors);
    }
    expect((await jsonOf(await stack.api.call("GET", "/schedules"))).value).toEqual([]);
  });
});

describe("DataSetDefinitionValueAssignments on the submit routes", () => {
  it("is accepted and sent as is", async () => {
    const stack = await start();
    for (const path of [`/pipelines/${PIPELINE_ID}/submit`, `/pipelineEndpoints/${ENDPOINT_ID}/submit`]) {
      const response = await stack.api.call("POST", path, {
        body: { ExperimentName: "Adf", DataSetDefinitionValueAssignments: ASSIGNMENTS },
      });
      expect(response.status, path).toBe(202);
      await deliverRun(stack.api, String((await jsonOf(response)).id));
    }
    const expected = {
      ExperimentName: "Adf",
      ParameterAssignments: {},
      DataPathAssignments: {},
      DataSetDefinitionValueAssignments: ASSIGNMENTS,
      RunSource: "API",
      Description: "Submitted through the aml-pipeline-scheduler API",
      Tags: {},
    };
    expect(postedBodies(stack.endpoint)).toEqual([expected, expected]);
  });

  it("refuses a value that is not an object, naming the field", async () => {
    const stack = await start();
    const response = await stack.api.call("POST", `/pipelines/${PIPELINE_ID}/submit`, {
      body: { ExperimentName: "Adf", DataSetDefinitionValueAssignments: { ds: 7 } },
    });
    expect(response.status).toBe(400);
    expect((await jsonOf(response)).errors).toEqual([
      {
        path: "DataSetDefinitionValueAssignments.ds",
        message:
          'must be a DataSetDefinitionValue object, e.g. { "SavedDataSetReference": { "Id": "<dataset id>" } }',
      },
    ]);
    expect(stack.endpoint.received).toHaveLength(0);
  });
});
