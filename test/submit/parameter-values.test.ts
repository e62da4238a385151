import { describe, expect, it } from "vitest";
import {
  deliverRun,
  jsonOf,
  loopbackWorkspacePerTest,
  PIPELINE_ID,
  postedBodies,
} from "../api/loopback-workspace.js";

/** CONTRACT 3: parameter values go as the Python SDK's `str()` prints them, whatever JavaScript would print. */

/** JSON text as a caller writes it, and what `str()` of Python's `json.loads` of it prints. */
const PARAMETERS_JSON =
  '{"lr": 1e-7, "tol": 0.00001, "eps": 0.0001, "n": 20, "neg": -3, ' +
  '"rate": 0.30000000000000004, "on": true, "off": false, "text": "1e-7"}';
const AS_PYTHON_PRINTS = {
  lr: "1e-07",
  tol: "1e-05",
  eps: "0.0001",
  n: "20",
  neg: "-3",
  rate: "0.30000000000000004",
  on: "True",
  off: "False",
  text: "1e-7",
};

const start = loopbackWorkspacePerTest();

describe("parameter values on the wire", () => {
  it("are sent as Python's str() prints them, from a schedule and from the submit route", async () => {
    const { api, endpoint } = await start();
    const created = await api.call("POST", "/schedules", {
      body:
        `{"name": "floats", "target": {"pipelineId": "${PIPELINE_ID}"}, "experimentName": "Floats", ` +
        `"trigger": {"type": "cron", "expression": "0 0 1 1 *"}, "parameterAssignments": ${PARAMETERS_JSON}}`,
    });
    expect(created.status).toBe(201);
    const manual = await api.call("POST", `/schedules/${String((await jsonOf(created)).id)}/trigger`);
    await deliverRun(api, String((await jsonOf(manual)).id));

    const submitted = await api.call("POST", `/pipelines/${PIPELINE_ID}/submit`, {
      body: `{"ExperimentName": "Floats", "ParameterAssignments": ${PARAMETERS_JSON}}`,
    });
    expect(submitted.status).toBe(202);
    await deliverRun(api, String((await jsonOf(submitted)).id));

    const sent = postedBodies(endpoint) as { ParameterAssignments: unknown }[];
    expect(sent.map((body) => body.ParameterAssignments)).toEqual([AS_PYTHON_PRINTS, AS_PYTHON_PRINTS]);
  });

  it("refuses numbers beyond 2^53, which Python would print in exponent form, rather than send another", async () => {
    // JSON cannot tell 1.5e16 from an integer that lost its digits (CONTRACT 4): the caller sends a string.
    const { api, endpoint } = await start();
    const submitted = await api.call("POST", `/pipelines/${PIPELINE_ID}/submit`, {
      body: '{"ExperimentName": "Floats", "ParameterAssignments": {"big": 1.5e16}}',
    });
    expect(submitted.status).toBe(400);
    expect(((await jsonOf(submitted)).errors as { path: string }[]).map((error) => error.path)).toEqual([
      "ParameterAssignments.big",
    ]);
    expect(postedBodies(endpoint)).toEqual([]);
  });
});
