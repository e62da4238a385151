import { readFile } from "node:fs/promises";
import type { Command } from "commander";
import type { SchedulerClient } from "./api-client.js";
import { scheduleDetails } from "./output.js";
import {
  addV2TargetFlags,
  dataPathsFromFlags,
  FlagError,
  outputsFromFlags,
  typedParametersFromFlags,
  v2TargetFromFlags,
  type ScheduleFlags,
} from "./schedule-flags.js";
import { scheduleFieldsFromSdkYaml } from "./sdk-schedule-yaml.js";
import type { ImportedSchedule } from "./v2-schedule-yaml.js";

/** The command line's Azure ML v2 parts (CONTRACT 7): schedule files of either SDK, `submit` to v2, `migrate`. */

interface CliContext {
  client: SchedulerClient;
  print: (value: unknown, human: () => string) => void;
}

export interface ScheduleFileReaders {
  v1(text: string): Record<string, unknown>;
  v2(text: string): ImportedSchedule;
  isV2(text: string): boolean;
  note(line: string): void;
}

/**
 * The schedule fields of a `--file`: an SDK v1 `Schedule.load_yaml` file, or an Azure ML v2 schedule YAML whose
 * notes are printed. A v2 file's `create_job.settings.default_compute` fills `--compute` of a pipelineComponent
 * target when the flag is not given, and its schedule name stands in for a missing experiment, as in Azure ML v2
 * (reference-yaml-schedule.md: `experiment_name` "If omitted, we'll take schedule name as default value").
 */
export function fieldsFromScheduleFile(
  text: string,
  flags: ScheduleFlags,
  name: string,
  readers: ScheduleFileReaders,
): Record<string, unknown> {
  if (!readers.isV2(text)) return readers.v1(text);
  const imported = readers.v2(text);
  for (const line of imported.notes) readers.note(line);
  if (
    imported.defaultCompute !== undefined &&
    flags.pipelineComponent !== undefined &&
    flags.compute === undefined
  ) {
    flags.compute = imported.defaultCompute;
  }
  const fields = { ...imported.fields };
  if (fields.experimentName === undefined && flags.experiment === undefined) fields.experimentName = name;
  return fields;
}

/** The `POST /submit` body of `submit` with a v2 target flag (CONTRACT 4); undefined when none is given. */
export function submitBodyV2(
  flags: ScheduleFlags & { experiment: string; continueOnStepFailure?: boolean },
): Record<string, unknown> | undefined {
  const target = v2TargetFromFlags(flags);
  if (Object.keys(target).length === 0) return undefined;
  if (flags.description !== undefined) {
    throw new FlagError("--description goes with a v1 target: an Azure ML v2 job takes none from here");
  }
  return {
    target,
    experimentName: flags.experiment,
    ...(flags.param === undefined ? {} : { parameterAssignments: typedParametersFromFlags(flags.param) }),
    ...(flags.dataPath === undefined ? {} : { dataPathAssignments: dataPathsFromFlags(flags.dataPath) }),
    ...(flags.output === undefined ? {} : { outputs: outputsFromFlags(flags.output) }),
    ...(flags.continueOnStepFailure === true ? { continueOnStepFailure: true } : {}),
  };
}

/**
 * `aml-schedule migrate <file>`: the schedule an SDK v1 `Schedule` YAML describes, with the Azure ML v2 target the
 * flags name instead of its published pipeline (a batch endpoint with a pipeline component deployment replaces the
 * pipeline endpoint: MicrosoftDocs/azure-ai-docs `articles/machine-learning/migrate-to-v2-deploy-pipelines.md`).
 * Prints the body of POST /schedules; `--create` creates it.
 */
export function addMigrateCommand(
  subcommand: (name: string, description: string) => Command,
  context: (command: Command) => CliContext,
  io: { stdout(text: string): void; stderr(text: string): void },
): void {
  addV2TargetFlags(
    subcommand(
      "migrate",
      "Print the v2 equivalent of an SDK v1 Schedule YAML: the same trigger and parameters, an Azure ML v2 target.",
    ),
  )
    .argument("<file>", "YAML as read by the SDK v1's Schedule.load_yaml")
    .requiredOption("--name <name>", "the schedule's name")
    .requiredOption("--experiment <name>", "the experiment (ExperimentName)")
    .option(
      "--data-path <name=datastore:path>",
      "a data input (repeatable)",
      (value: string, previous: string[] = []) => [...previous, value],
    )
    .option("--create", "create the schedule instead of printing it")
    .action(
      async (
        file: string,
        flags: ScheduleFlags & { name: string; experiment: string; create?: boolean },
        command: Command,
      ) => {
        const target = v2TargetFromFlags(flags);
        if (
          target.batchEndpoint === undefined &&
          target.batchEndpointUrl === undefined &&
          target.pipelineComponent === undefined
        ) {
          throw new FlagError(
            "Give the v2 target: --batch-endpoint, --batch-endpoint-url or --pipeline-component",
          );
        }
        const { continueOnStepFailure, ...fromV1 } = scheduleFieldsFromSdkYaml(await readFile(file, "utf8"));
        if (continueOnStepFailure !== undefined) {
          io.stderr("Note: continue_on_step_failure is not carried over: a v2 target keeps its own setting");
        }
        const trigger = fromV1.trigger as Record<string, unknown> | undefined;
        if (typeof trigger?.dataPathParameterName === "string") {
          io.stderr(
            `Note: each changed blob becomes the UriFile input ${trigger.dataPathParameterName} of the v2 job`,
          );
        }
        const definition = {
          name: flags.name,
          experimentName: flags.experiment,
          ...fromV1,
          target,
          ...(flags.dataPath === undefined
            ? {}
            : { dataPathAssignments: dataPathsFromFlags(flags.dataPath) }),
          ...(flags.output === undefined ? {} : { outputs: outputsFromFlags(flags.output) }),
        };
        if (flags.create !== true) {
          io.stdout(JSON.stringify(definition, null, 2));
          return;
        }
        const { client, print } = context(command);
        const schedule = await client.createSchedule(definition);
        print(schedule, () => `Created ${schedule.name}\n${scheduleDetails(schedule)}`);
      },
    );
}
