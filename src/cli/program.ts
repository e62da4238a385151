import type { Schedule } from "../api/api-schemas.js";
import { readFile } from "node:fs/promises";
import { Command, CommanderError } from "commander";
import {
  ApiError,
  ConnectionError,
  DEFAULT_API_URL,
  SchedulerClient,
  type SubmitTarget,
} from "./api-client.js";
import {
  fireTimesTable,
  problemText,
  runDetails,
  runsTable,
  scheduleDetails,
  schedulesTable,
} from "./output.js";
import { isV2Target } from "../schedules/target-rules.js";
import {
  addScheduleFlags,
  addV2TargetFlags,
  dataPathsFromFlags,
  FlagError,
  parametersFromFlags,
  scheduleFieldsFromFlags,
  type ScheduleFlags,
} from "./schedule-flags.js";
import { scheduleFieldsFromSdkYaml, SdkYamlError } from "./sdk-schedule-yaml.js";
import { isV2ScheduleYaml, scheduleFieldsFromV2Yaml, V2YamlError } from "./v2-schedule-yaml.js";
import { addMigrateCommand, fieldsFromScheduleFile, submitBodyV2 } from "./v2-commands.js";

/** `aml-schedule`: the scheduler's HTTP API from a shell, in the spirit of the SDK's Schedule class. */

export interface CliIo {
  stdout(text: string): void;
  stderr(text: string): void;
  env: Record<string, string | undefined>;
  sleep(ms: number): Promise<void>;
}

interface GlobalOptions {
  url?: string;
  key?: string;
  json?: boolean;
}

/** The wait of `submit --wait` failed (the pipeline run failed or was canceled); the problem is printed. */
class WaitEndedError extends Error {
  override name = "WaitEndedError";
}

/** Runs the command line; resolves to the process exit code (0 success, 1 failure, commander's code on misuse). */
export async function runCli(argv: readonly string[], io: CliIo): Promise<number> {
  const program = buildProgram(io);
  try {
    await program.parseAsync([...argv], { from: "user" });
    return 0;
  } catch (error) {
    if (error instanceof CommanderError) return error.exitCode;
    const json = argv.includes("--json");
    if (error instanceof ApiError) {
      io.stderr(json ? JSON.stringify(error.problem, null, 2) : problemText(error.problem));
    } else if (
      error instanceof ConnectionError ||
      error instanceof FlagError ||
      error instanceof SdkYamlError ||
      error instanceof V2YamlError ||
      error instanceof WaitEndedError
    ) {
      io.stderr(`Error: ${error.message}`);
    } else {
      io.stderr(`Error: ${error instanceof Error ? error.message : String(error)}`);
    }
    return 1;
  }
}

export function buildProgram(io: CliIo): Command {
  const program = new Command()
    .name("aml-schedule")
    .description(
      "Schedules and runs of Azure ML published pipelines, through the aml-pipeline-scheduler API.",
    )
    .option("--url <url>", `the API's base URL (env AML_SCHEDULER_URL; default ${DEFAULT_API_URL})`)
    .option("--key <key>", "a function key, sent as x-functions-key (env AML_SCHEDULER_KEY)")
    .option("--json", "print the API's JSON instead of tables")
    .showHelpAfterError()
    .exitOverride()
    .configureOutput({
      writeOut: (text) => io.stdout(text.replace(/\n$/, "")),
      writeErr: (text) => io.stderr(text.replace(/\n$/, "")),
    });

  const context = (command: Command) => {
    const options = command.optsWithGlobals<GlobalOptions>();
    const client = new SchedulerClient({
      baseUrl: options.url ?? io.env.AML_SCHEDULER_URL ?? DEFAULT_API_URL,
      ...((options.key ?? io.env.AML_SCHEDULER_KEY) === undefined
        ? {}
        : { key: options.key ?? io.env.AML_SCHEDULER_KEY }),
    });
    const print = (value: unknown, human: () => string) =>
      io.stdout(options.json ? JSON.stringify(value, null, 2) : human());
    return { client, print };
  };

  const subcommand = (name: string, description: string) =>
    program.command(name).description(description).exitOverride();

  addScheduleFlags(
    subcommand(
      "create",
      "Create a schedule, from flags, an SDK v1 Schedule.load_yaml file or an Azure ML v2 schedule YAML.",
    )
      .argument("<name>", "the schedule's name")
      .option(
        "--file <path>",
        "YAML as the SDK v1's Schedule.load_yaml or `az ml schedule create` (v2) reads it; flags override it",
      )
      .option("--disabled", "create it Disabled"),
  ).action(async (name: string, flags: ScheduleFlags & { file?: string }, command: Command) => {
    const { client, print } = context(command);
    const fromFile =
      flags.file === undefined
        ? {}
        : fieldsFromScheduleFile(await readFile(flags.file, "utf8"), flags, name, {
            v1: scheduleFieldsFromSdkYaml,
            v2: scheduleFieldsFromV2Yaml,
            isV2: isV2ScheduleYaml,
            note: (line) => io.stderr(`Note: ${line}`),
          });
    const fromFlags = scheduleFieldsFromFlags(flags);
    const trigger =
      fromFile.trigger === undefined && fromFlags.trigger === undefined
        ? undefined
        : { ...(fromFile.trigger as object | undefined), ...(fromFlags.trigger as object | undefined) };
    const definition = { ...fromFile, ...fromFlags, name, ...(trigger === undefined ? {} : { trigger }) };
    const schedule = await client.createSchedule(definition);
    print(schedule, () => `Created ${schedule.name}\n${scheduleDetails(schedule)}`);
  });

  subcommand("list", "List schedules.")
    .option("--status <status>", "Active or Disabled")
    .option("--pipeline-id <id>", "only schedules of this published pipeline")
    .option("--pipeline-endpoint-id <id>", "only schedules of this pipeline endpoint")
    .option("--trigger-type <type>", "recurrence, cron or datastore")
    .action(async (flags: Record<string, string | undefined>, command: Command) => {
      const { client, print } = context(command);
      const query: Record<string, string> = {};
      for (const name of ["status", "pipelineId", "pipelineEndpointId", "triggerType"]) {
        const value = flags[name];
        if (value !== undefined) query[name] = value;
      }
      const schedules: Schedule[] = [];
      let page = await client.listSchedules(query);
      schedules.push(...page.value);
      while (page.nextLink !== null) {
        page = (await client.send<typeof page>("GET", new URL(page.nextLink, client.origin()).toString()))
          .body;
        schedules.push(...page.value);
      }
      print(schedules, () => (schedules.length === 0 ? "No schedules." : schedulesTable(schedules)));
    });

  subcommand("show", "Show one schedule.")
    .argument("<schedule>", "id or name")
    .action(async (idOrName: string, _flags: unknown, command: Command) => {
      const { client, print } = context(command);
      const schedule = await client.getSchedule(idOrName);
      print(schedule, () => scheduleDetails(schedule));
    });

  addScheduleFlags(
    subcommand("update", "Change a schedule: only the fields given change (JSON merge patch).")
      .argument("<schedule>", "id or name")
      .option("--name <name>", "rename it"),
  ).action(async (idOrName: string, flags: ScheduleFlags, command: Command) => {
    const { client, print } = context(command);
    const current = await client.getSchedule(idOrName);
    const patch = {
      ...scheduleFieldsFromFlags(flags, isV2Target(current.target)),
      ...(flags.name === undefined ? {} : { name: flags.name }),
    };
    if (Object.keys(patch).length === 0)
      throw new FlagError("Nothing to update: give at least one field flag");
    const schedule = await client.patchSchedule(current.id, patch);
    print(schedule, () => `Updated ${schedule.name}\n${scheduleDetails(schedule)}`);
  });

  for (const verb of ["enable", "disable"] as const) {
    subcommand(
      verb,
      verb === "enable" ? "Set a schedule Active." : "Set a schedule Disabled: it stops firing.",
    )
      .argument("<schedule>", "id or name")
      .action(async (idOrName: string, _flags: unknown, command: Command) => {
        const { client, print } = context(command);
        const current = await client.getSchedule(idOrName);
        const schedule = await client.setStatus(current.id, verb);
        print(
          schedule,
          () => `${schedule.name} is ${schedule.status}; next run ${schedule.nextRunAt ?? "none"}`,
        );
      });
  }

  subcommand("delete", "Delete a schedule; it must be Disabled first (or use --force).")
    .argument("<schedule>", "id or name")
    .option("--force", "disable it first if it is Active")
    .action(async (idOrName: string, flags: { force?: boolean }, command: Command) => {
      const { client, print } = context(command);
      const current = await client.getSchedule(idOrName);
      if (flags.force && current.status === "Active") await client.setStatus(current.id, "disable");
      await client.deleteSchedule(current.id);
      print({ id: current.id, name: current.name, deleted: true }, () => `Deleted ${current.name}`);
    });

  subcommand("next", "The next fire times of a schedule.")
    .argument("<schedule>", "id or name")
    .option("--count <n>", "how many, 1-100", "10")
    .option("--after <instant>", "list instants strictly after this ISO instant (default now)")
    .action(async (idOrName: string, flags: { count: string; after?: string }, command: Command) => {
      const { client, print } = context(command);
      const current = await client.getSchedule(idOrName);
      const times = await client.nextFireTimes(current.id, {
        count: flags.count,
        ...(flags.after === undefined ? {} : { after: flags.after }),
      });
      print(times, () =>
        times.value.length === 0 ? `${current.name} never fires again.` : fireTimesTable(times),
      );
    });

  subcommand("runs", "The run history of a schedule, newest first.")
    .argument("<schedule>", "id or name")
    .option("--top <n>", "how many, 1-1000", "20")
    .action(async (idOrName: string, flags: { top: string }, command: Command) => {
      const { client, print } = context(command);
      const current = await client.getSchedule(idOrName);
      const runs = await client.listRuns(current.id, { top: flags.top });
      print(runs, () =>
        runs.value.length === 0 ? `${current.name} has no runs yet.` : runsTable(runs.value),
      );
    });

  subcommand("trigger", "Run a schedule's pipeline now, out of schedule (also when Disabled).")
    .argument("<schedule>", "id or name")
    .action(async (idOrName: string, _flags: unknown, command: Command) => {
      const { client, print } = context(command);
      const current = await client.getSchedule(idOrName);
      const run = await client.triggerSchedule(current.id);
      print(run, () => runDetails(run));
    });

  addV2TargetFlags(
    subcommand(
      "submit",
      "Submit a pipeline (v1) or an Azure ML v2 target once, as Logic Apps and Data Factory do; --wait follows it to the end.",
    ),
  )
    .option("--pipeline-id <id>", "a published pipeline")
    .option("--pipeline-endpoint-id <id>", "a pipeline endpoint")
    .option("--pipeline-version <version>", "the endpoint's version (default: its default version)")
    .requiredOption("--experiment <name>", "the experiment (ExperimentName)")
    .option(
      "--param <name=value>",
      "a pipeline parameter (repeatable)",
      (value: string, previous: string[] = []) => [...previous, value],
    )
    .option(
      "--data-path <name=datastore:path>",
      "a DataPath parameter (repeatable)",
      (value: string, previous: string[] = []) => [...previous, value],
    )
    .option("--description <text>", "the run's description")
    .option("--continue-on-step-failure", "continue other steps when a step fails")
    .option("--wait", "poll until the pipeline run ends; exit 1 if it failed or was canceled")
    .option("--timeout <seconds>", "with --wait: give up after this long", "3600")
    .action(async (flags: SubmitFlags, command: Command) => {
      const { client, print } = context(command);
      const json = command.optsWithGlobals<GlobalOptions>().json === true;
      const v2Body = submitBodyV2(flags);
      let accepted;
      if (v2Body !== undefined) {
        if (flags.pipelineId !== undefined || flags.pipelineEndpointId !== undefined) {
          throw new FlagError("Give one target: a v1 pipeline or an Azure ML v2 target, not both");
        }
        accepted = await client.submitAny(v2Body);
      } else {
        const target = submitTarget(flags);
        const body: Record<string, unknown> = { ExperimentName: flags.experiment };
        if (flags.param !== undefined) body.ParameterAssignments = parametersFromFlags(flags.param);
        if (flags.dataPath !== undefined) {
          body.DataPathAssignments = Object.fromEntries(
            Object.entries(dataPathsFromFlags(flags.dataPath)).map(([name, path]) => [
              name,
              { DataStoreName: path.dataStoreName, RelativePath: path.relativePath },
            ]),
          );
        }
        if (flags.description !== undefined) body.Description = flags.description;
        if (flags.continueOnStepFailure) body.ContinueOnStepFailure = true;
        accepted = await client.submit(target, body);
      }
      if (!flags.wait) {
        print(accepted.body, () => runDetails(accepted.body));
        return;
      }
      const location = accepted.headers.get("location");
      if (location === null) throw new Error("The submit answer has no Location to wait on");
      const deadline = Date.now() + Number(flags.timeout) * 1000;
      let retryAfter = Number(accepted.headers.get("retry-after") ?? "2");
      let lastState = "";
      io.stderr(`Submitted run ${accepted.body.id}; waiting for it (poll ${withoutFunctionKey(location)})`);
      for (;;) {
        if (Date.now() + retryAfter * 1000 > deadline) {
          throw new WaitEndedError(`Gave up waiting for run ${accepted.body.id} after ${flags.timeout} s`);
        }
        await io.sleep(retryAfter * 1000);
        let answer;
        try {
          answer = await client.pollWait(location);
        } catch (error) {
          if (error instanceof ApiError && !json) io.stderr(`Run ${accepted.body.id} did not finish.`);
          throw error;
        }
        if (answer.status !== 202) {
          print(answer.body, () => runDetails(answer.body));
          return;
        }
        const state = `${answer.body.status}/${answer.body.pipelineStatus ?? "-"}/${answer.body.pipelineStatusDetail ?? "-"}`;
        if (state !== lastState) {
          const detail = answer.body.pipelineStatusDetail;
          io.stderr(
            `  run ${answer.body.status}, pipeline run ${answer.body.pipelineStatus ?? "not started"}${detail === null || detail === answer.body.pipelineStatus ? "" : ` (${detail})`}`,
          );
          lastState = state;
        }
        retryAfter = Number(answer.headers.get("retry-after") ?? "5");
      }
    });

  addMigrateCommand(subcommand, context, io);

  return program;
}

interface SubmitFlags extends ScheduleFlags {
  pipelineId?: string;
  pipelineEndpointId?: string;
  pipelineVersion?: string;
  experiment: string;
  param?: string[];
  dataPath?: string[];
  description?: string;
  continueOnStepFailure?: boolean;
  wait?: boolean;
  timeout: string;
}

function submitTarget(flags: SubmitFlags): SubmitTarget {
  if ((flags.pipelineId === undefined) === (flags.pipelineEndpointId === undefined)) {
    throw new FlagError("Give exactly one of --pipeline-id and --pipeline-endpoint-id");
  }
  if (flags.pipelineId !== undefined) {
    if (flags.pipelineVersion !== undefined)
      throw new FlagError("--pipeline-version goes with --pipeline-endpoint-id");
    return { pipelineId: flags.pipelineId };
  }
  return {
    pipelineEndpointId: flags.pipelineEndpointId ?? "",
    ...(flags.pipelineVersion === undefined ? {} : { pipelineVersion: flags.pipelineVersion }),
  };
}

/** The wait Location carries the caller's function key (`?code=`); a line on the terminal (or a CI log) must not. */
function withoutFunctionKey(location: string): string {
  const url = new URL(location, "http://relative.invalid");
  url.searchParams.delete("code");
  return location.startsWith("/") ? `${url.pathname}${url.search}` : url.toString();
}
