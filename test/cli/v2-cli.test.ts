import { execFile } from "node:child_process";
import { mkdtemp, rm, writeFile } from "node:fs/promises";
import os from "node:os";
import path from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { startLocalHost, type RunningLocalHost } from "../../src/host/local/local-host.js";

/** `aml-schedule` with Azure ML v2 targets, as a real process against a running local host and its v2 sandbox. */

const NEVER = "0 0 0 1 1 *";
const CLI = path.resolve("src/cli/main.ts");

interface Outcome {
  code: number;
  stdout: string;
  stderr: string;
}

let host: RunningLocalHost;
let folder: string;

beforeAll(async () => {
  folder = await mkdtemp(path.join(os.tmpdir(), "aml-schedule-v2-"));
  host = await startLocalHost({
    port: 0,
    persist: false,
    cwd: folder,
    env: { SCHEDULER_TICK: NEVER },
    log: () => undefined,
  });
});
afterAll(async () => {
  await host.stop();
  await rm(folder, { recursive: true, force: true });
});

function cli(args: string[]): Promise<Outcome> {
  return new Promise((resolve) => {
    execFile(
      process.execPath,
      ["--import", "tsx", CLI, ...args],
      { env: { PATH: process.env.PATH ?? "", AML_SCHEDULER_URL: host.apiUrl }, timeout: 60_000 },
      (error, stdout, stderr) => {
        const code = error === null ? 0 : typeof error.code === "number" ? error.code : -1;
        resolve({ code, stdout, stderr });
      },
    );
  });
}

describe("aml-schedule with Azure ML v2 targets", () => {
  it(
    "creates batch endpoint and pipeline component schedules from flags and from v2 YAML",
    { timeout: 60_000 },
    async () => {
      const endpoint = await cli([
        "create",
        "scorer-nightly",
        "--experiment",
        "Nightly",
        "--batch-endpoint",
        "scorer",
        "--deployment",
        "blue",
        "--param",
        "threshold=0.5",
        "--param",
        "label=007",
        "--output",
        "scores=workspaceblobstore:scored/{runId}/",
        "--cron",
        "0 6 * * *",
        "--json",
      ]);
      expect(endpoint.code, endpoint.stderr).toBe(0);
      expect(JSON.parse(endpoint.stdout)).toMatchObject({
        target: { batchEndpoint: "scorer", deployment: "blue" },
        // A v2 literal keeps its JSON type; text that only looks like a number with a leading zero stays text.
        parameterAssignments: { threshold: 0.5, label: "007" },
        outputs: { scores: { datastoreName: "workspaceblobstore", path: "scored/{runId}/" } },
      });

      const yamlFile = path.join(folder, "v2-schedule.yml");
      await writeFile(
        yamlFile,
        `$schema: https://azuremlschemas.azureedge.net/latest/schedule.schema.json
name: monthly
trigger:
  type: cron
  expression: "0 6 1 * *"
create_job:
  type: pipeline
  job: ./pipeline.yml
  settings:
    default_compute: cpu-cluster
`,
      );
      const fromYaml = await cli([
        "create",
        "monthly",
        "--file",
        yamlFile,
        "--pipeline-component",
        "train",
        "--json",
      ]);
      expect(fromYaml.code, fromYaml.stderr).toBe(0);
      expect(JSON.parse(fromYaml.stdout)).toMatchObject({
        name: "monthly",
        experimentName: "monthly",
        target: { pipelineComponent: "train", compute: "cpu-cluster" },
        trigger: { type: "cron", expression: "0 6 1 * *" },
      });
      expect(fromYaml.stderr).toContain("Azure ML v2 ignores its day-of-month and month fields");

      const bad = await cli([
        "create",
        "bad",
        "--experiment",
        "x",
        "--pipeline-component",
        "train",
        "--deployment",
        "b",
        "--cron",
        "0 0 * * *",
      ]);
      expect(bad.code).toBe(1);
      expect(bad.stderr).toContain("target.deployment");
    },
  );

  it(
    "migrates an SDK v1 Schedule YAML to a v2 target, printing the schedule",
    { timeout: 60_000 },
    async () => {
      const v1File = path.join(folder, "v1-schedule.yml");
      await writeFile(
        v1File,
        `Schedule:
    description: "On new data"
    recurrence: ~
    pipeline_parameters: {'alpha': 1}
    datastore_name: workspaceblobstore
    path_on_datastore: incoming
    polling_interval: 5
    data_path_parameter_name: input_data
    continue_on_step_failure: None
`,
      );
      const migrated = await cli([
        "migrate",
        v1File,
        "--name",
        "on-new-data",
        "--experiment",
        "Uploads",
        "--pipeline-component",
        "train",
        "--compute",
        "cpu-cluster",
      ]);
      expect(migrated.code, migrated.stderr).toBe(0);
      expect(JSON.parse(migrated.stdout)).toMatchObject({
        name: "on-new-data",
        experimentName: "Uploads",
        target: { pipelineComponent: "train", compute: "cpu-cluster" },
        parameterAssignments: { alpha: 1 },
        trigger: {
          type: "datastore",
          datastoreName: "workspaceblobstore",
          pathOnDatastore: "incoming",
          pollingIntervalMinutes: 5,
          dataPathParameterName: "input_data",
        },
      });
      expect(migrated.stderr).toContain("UriFile input input_data");
      const noTarget = await cli(["migrate", v1File, "--name", "x", "--experiment", "x"]);
      expect(noTarget.code).toBe(1);
      expect(noTarget.stderr).toContain("--batch-endpoint");
    },
  );

  it("submits to a v2 target and --wait follows the job to its end", { timeout: 60_000 }, async () => {
    const waited = await cli([
      "submit",
      "--batch-endpoint",
      "scorer",
      "--experiment",
      "Adhoc",
      "--param",
      "sandbox_status_polls=2",
      "--wait",
    ]);
    expect(waited.code, waited.stderr).toBe(0);
    expect(waited.stdout).toMatch(/Pipeline run status: +Finished \(Completed\)/);
    const failed = await cli([
      "submit",
      "--pipeline-component",
      "train",
      "--experiment",
      "Adhoc",
      "--param",
      "sandbox_outcome=Failed",
      "--param",
      "sandbox_status_polls=1",
      "--wait",
    ]);
    expect(failed.code).toBe(1);
    expect(host.v2Sandbox.jobs.filter((job) => JSON.stringify(job.body).includes("Adhoc"))).toHaveLength(2);
  });
});
