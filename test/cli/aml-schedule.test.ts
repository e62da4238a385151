import { execFile } from "node:child_process";
import { mkdtemp, rm, writeFile } from "node:fs/promises";
import os from "node:os";
import path from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { startLocalHost, type RunningLocalHost } from "../../src/host/local/local-host.js";
import { closedLoopbackPort } from "../submit/loopback-endpoint.js";

/** The `aml-schedule` command line run as a real process against a running local host (CONTRACT 5). */

const NEVER = "0 0 0 1 1 *";
const PIPELINE_ID = "aaaaaaaa-bbbb-cccc-dddd-eeeeeeeeeeee";
const CLI = path.resolve("src/cli/main.ts");

/** A file as the Azure ML SDK v1's Schedule.load_yaml reads it (its docstring's sample, adapted). */
const SDK_YAML = `Schedule:
    description: "Test create with recurrence"
    recurrence:
        frequency: Week # Can be "Minute", "Hour", "Day", "Week", or "Month".
        interval: 1 # how often fires
        start_time: 2026-06-07T10:50:00
        time_zone: ~
        hours: ~
        minutes: ~
        time_of_day: "18:30"
        week_days:
        - Friday
    pipeline_parameters: {'a': 1}
    wait_for_provisioning: True
    wait_timeout: 3600
    datastore_name: ~
    polling_interval: ~
    data_path_parameter_name: ~
    continue_on_step_failure: None
    path_on_datastore: ~
`;

interface Outcome {
  code: number;
  stdout: string;
  stderr: string;
}

describe("aml-schedule against a running local host", () => {
  let host: RunningLocalHost;
  let folder: string;

  beforeAll(async () => {
    folder = await mkdtemp(path.join(os.tmpdir(), "aml-schedule-"));
    // No AzureWebJobsStorage: the host embeds an Azurite of its own, so its tables are its alone.
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

  function cli(
    args: string[],
    env: Record<string, string> = { AML_SCHEDULER_URL: host.apiUrl },
  ): Promise<Outcome> {
    return new Promise((resolve) => {
      execFile(
        process.execPath,
        ["--import", "tsx", CLI, ...args],
        { env: { PATH: process.env.PATH ?? "", ...env }, timeout: 60_000 },
        (error, stdout, stderr) => {
          const code = error === null ? 0 : typeof error.code === "number" ? error.code : -1;
          resolve({ code, stdout, stderr });
        },
      );
    });
  }

  const json = (outcome: Outcome) => JSON.parse(outcome.stdout) as Record<string, unknown>;

  it("prints help for the program and for every command", async () => {
    const help = await cli(["--help"]);
    expect(help.code).toBe(0);
    for (const command of [
      "create",
      "list",
      "show",
      "update",
      "enable",
      "disable",
      "delete",
      "next",
      "runs",
      "trigger",
      "submit",
    ]) {
      expect(help.stdout).toMatch(new RegExp(`\\n  ${command}\\b`));
    }
    const submitHelp = await cli(["submit", "--help"]);
    expect(submitHelp.code).toBe(0);
    expect(submitHelp.stdout).toContain("--wait");
    expect(submitHelp.stdout).toContain("--pipeline-endpoint-id <id>");
    const createHelp = await cli(["create", "--help"]);
    expect(createHelp.stdout).toContain("--file <path>");
    expect(createHelp.stdout).toContain("--monthly-occurrences <list>");
  });

  it("creates from flags and from an SDK YAML file, then lists, shows, previews and updates", async () => {
    const created = await cli([
      "create",
      "cli-daily",
      "--frequency",
      "day",
      "--interval",
      "1",
      "--time-of-day",
      "02:30",
      "--time-zone",
      "Pacific Standard Time",
      "--pipeline-id",
      PIPELINE_ID,
      "--experiment",
      "Nightly",
      "--param",
      "pipeline_arg=20",
      "--json",
    ]);
    expect(created.code, created.stderr).toBe(0);
    expect(json(created)).toMatchObject({
      name: "cli-daily",
      status: "Active",
      target: { pipelineId: PIPELINE_ID },
      experimentName: "Nightly",
      parameterAssignments: { pipeline_arg: "20" },
      trigger: {
        type: "recurrence",
        frequency: "Day",
        interval: 1,
        timeOfDay: "02:30",
        timeZone: "Pacific Standard Time",
      },
    });

    const file = path.join(folder, "schedule.yaml");
    await writeFile(file, SDK_YAML);
    const fromYaml = await cli([
      "create",
      "cli-weekly",
      "--file",
      file,
      "--pipeline-id",
      PIPELINE_ID,
      "--experiment",
      "Weekly",
    ]);
    expect(fromYaml.code, fromYaml.stderr).toBe(0);
    expect(fromYaml.stdout).toContain("Created cli-weekly");
    // start_time without time_zone: the SDK's GMT Standard Time default.
    expect(fromYaml.stdout).toMatch(/Trigger: +Every week on Friday at 18:30, GMT Standard Time/);
    const weekly = json(await cli(["show", "cli-weekly", "--json"]));
    expect(weekly).toMatchObject({
      description: "Test create with recurrence",
      parameterAssignments: { a: 1 },
      trigger: {
        type: "recurrence",
        frequency: "Week",
        interval: 1,
        startTime: "2026-06-07T10:50:00",
        timeZone: "GMT Standard Time",
        timeOfDay: "18:30",
        weekDays: ["Friday"],
      },
    });

    const listed = await cli(["list"]);
    expect(listed.code).toBe(0);
    expect(listed.stdout.split("\n")[0]).toMatch(
      /^NAME +STATUS +TRIGGER +TARGET +NEXT RUN \(UTC\) +LAST RUN$/,
    );
    expect(listed.stdout).toMatch(/cli-daily +Active +Every day at 02:30, Pacific Standard Time/);
    const listedJson = JSON.parse((await cli(["list", "--json"])).stdout) as { name: string }[];
    expect(listedJson.map((schedule) => schedule.name).sort()).toEqual(["cli-daily", "cli-weekly"]);

    // Summer time in London: 18:30 BST is 17:30 UTC; winter: 18:30 GMT.
    const next = await cli([
      "next",
      "cli-weekly",
      "--count",
      "2",
      "--after",
      "2027-03-20T00:00:00Z",
      "--json",
    ]);
    expect(JSON.parse(next.stdout)).toEqual({
      value: [
        { at: "2027-03-26T18:30:00.000Z", local: "2027-03-26T18:30:00+00:00" },
        { at: "2027-04-02T17:30:00.000Z", local: "2027-04-02T18:30:00+01:00" },
      ],
    });
    const nextHuman = await cli(["next", "cli-weekly", "--count", "1", "--after", "2027-03-20T00:00:00Z"]);
    expect(nextHuman.stdout).toBe(
      "AT (UTC)                  LOCAL\n2027-03-26T18:30:00.000Z  2027-03-26T18:30:00+00:00\n",
    );

    const updated = await cli([
      "update",
      "cli-weekly",
      "--interval",
      "2",
      "--description",
      "Every other Friday",
      "--json",
    ]);
    expect(updated.code, updated.stderr).toBe(0);
    expect(json(updated)).toMatchObject({
      description: "Every other Friday",
      trigger: { interval: 2, timeOfDay: "18:30", weekDays: ["Friday"], timeZone: "GMT Standard Time" },
    });
  });

  it("disables, enables, triggers, lists runs and deletes", async () => {
    await cli([
      "create",
      "cli-hourly",
      "--frequency",
      "Hour",
      "--interval",
      "6",
      "--start-time",
      "2030-01-01T00:00:00",
      "--pipeline-id",
      PIPELINE_ID,
      "--experiment",
      "Hourly",
    ]);
    const disabled = await cli(["disable", "cli-hourly"]);
    expect(disabled.stdout).toBe("cli-hourly is Disabled; next run none\n");
    const enabled = await cli(["enable", "cli-hourly"]);
    expect(enabled.stdout).toBe("cli-hourly is Active; next run 2030-01-01T00:00:00.000Z\n");

    const triggered = await cli(["trigger", "cli-hourly", "--json"]);
    expect(triggered.code).toBe(0);
    const run = json(triggered);
    expect(run).toMatchObject({ scheduleName: "cli-hourly", reason: "manual", status: "Pending" });
    let runs = await cli(["runs", "cli-hourly", "--json"]);
    for (let tries = 0; tries < 40 && !runs.stdout.includes('"Submitted"'); tries++) {
      await new Promise((resolve) => setTimeout(resolve, 250));
      runs = await cli(["runs", "cli-hourly", "--json"]);
    }
    expect(json(runs)).toMatchObject({
      value: [{ id: run.id, status: "Submitted", reason: "manual" }],
      nextLink: null,
    });
    const runsHuman = await cli(["runs", "cli-hourly"]);
    expect(runsHuman.stdout).toMatch(new RegExp(`${String(run.id)} +manual +Submitted +- +`));
    expect(host.sandbox.submissions.some((submission) => submission.target.pipelineId === PIPELINE_ID)).toBe(
      true,
    );

    const refused = await cli(["delete", "cli-hourly"]);
    expect(refused.code).toBe(1);
    expect(refused.stderr).toBe(
      "Error 409 Conflict: Schedule cli-hourly is Active; disable it before deleting it\n",
    );
    const schedule = json(await cli(["show", "cli-hourly", "--json"]));
    const deleted = await cli(["delete", "cli-hourly", "--force", "--json"]);
    expect(JSON.parse(deleted.stdout)).toEqual({ id: schedule.id, name: "cli-hourly", deleted: true });
    const gone = await cli(["show", "cli-hourly"]);
    expect(gone.code).toBe(1);
    expect(gone.stderr).toBe("Error 404 Not Found: There is no schedule with id or name cli-hourly\n");
  });

  it("submits once, and with --wait returns when the sandbox run finished", async () => {
    const once = await cli(["submit", "--pipeline-id", PIPELINE_ID, "--experiment", "Adhoc", "--json"]);
    expect(once.code).toBe(0);
    expect(json(once)).toMatchObject({
      reason: "api",
      status: "Pending",
      scheduleId: null,
      request: { ExperimentName: "Adhoc" },
    });

    const waited = await cli([
      "submit",
      "--pipeline-id",
      PIPELINE_ID,
      "--experiment",
      "Adhoc",
      "--param",
      "sandbox_status_polls=1",
      "--wait",
    ]);
    expect(waited.code, waited.stderr).toBe(0);
    expect(waited.stdout).toMatch(/Status: +Submitted/);
    expect(waited.stdout).toMatch(/Pipeline run status: +Finished/);
    expect(waited.stderr).toMatch(/^Submitted run api-\S+; waiting for it/);
  });

  it("exits 1 with the problem when the waited pipeline run fails", async () => {
    const failed = await cli([
      "submit",
      "--pipeline-endpoint-id",
      "bbbbbbbb-cccc-dddd-eeee-ffffffffffff",
      "--pipeline-version",
      "3",
      "--experiment",
      "Adhoc",
      "--param",
      "sandbox_outcome=Canceled",
      "--param",
      "sandbox_status_polls=1",
      "--wait",
      "--json",
    ]);
    expect(failed.code).toBe(1);
    const problem = JSON.parse(failed.stderr.slice(failed.stderr.indexOf("{"))) as Record<string, unknown>;
    expect(problem).toMatchObject({
      status: 424,
      title: "Failed Dependency",
      pipelineStatus: "Canceled",
      runStatus: "Submitted",
    });
    const submission = host.sandbox.submissions.find((candidate) => candidate.target.pipelineVersion === "3");
    expect(submission?.target).toEqual({
      pipelineEndpointId: "bbbbbbbb-cccc-dddd-eeee-ffffffffffff",
      pipelineVersion: "3",
    });
  });

  it("shows validation problems field by field and exits 1; misuse and unreachable hosts exit non-zero", async () => {
    const invalid = await cli([
      "create",
      "bad",
      "--frequency",
      "Week",
      "--interval",
      "1",
      "--hours",
      "25",
      "--pipeline-id",
      PIPELINE_ID,
      "--experiment",
      "E",
    ]);
    expect(invalid.code).toBe(1);
    expect(invalid.stderr).toContain("Error 400 Bad Request:");
    expect(invalid.stderr).toContain("\n  trigger.hours[0]: ");
    const invalidJson = await cli([
      "create",
      "bad",
      "--frequency",
      "Week",
      "--interval",
      "1",
      "--hours",
      "25",
      "--pipeline-id",
      PIPELINE_ID,
      "--experiment",
      "E",
      "--json",
    ]);
    expect(JSON.parse(invalidJson.stderr)).toMatchObject({
      status: 400,
      errors: [{ path: "trigger.hours[0]" }],
    });

    const misuse = await cli(["submit", "--pipeline-id", PIPELINE_ID]);
    expect(misuse.code).toBe(1);
    expect(misuse.stderr).toContain("required option '--experiment <name>' not specified");
    const unknownCommand = await cli(["frobnicate"]);
    expect(unknownCommand.code).not.toBe(0);

    const port = await closedLoopbackPort();
    const unreachable = await cli(["list", "--url", `http://127.0.0.1:${port}/api`]);
    expect(unreachable.code).toBe(1);
    expect(unreachable.stderr).toBe(
      `Error: Could not reach http://127.0.0.1:${port}/api: ECONNREFUSED. Is the service running (npm start)? Set --url or AML_SCHEDULER_URL.\n`,
    );
  });
});
