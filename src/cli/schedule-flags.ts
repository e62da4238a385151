import type { Command } from "commander";

/** The flags of `create` and `update`, and how they become the fields of a schedule (CONTRACT 1, 2). */

export class FlagError extends Error {
  override name = "FlagError";
}

export interface ScheduleFlags {
  name?: string;
  description?: string;
  experiment?: string;
  pipelineId?: string;
  pipelineEndpointId?: string;
  pipelineEndpointName?: string;
  pipelineVersion?: string;
  endpointUrl?: string;
  batchEndpoint?: string;
  batchEndpointUrl?: string;
  deployment?: string;
  pipelineComponent?: string;
  componentVersion?: string;
  compute?: string;
  output?: string[];
  param?: string[];
  dataPath?: string[];
  continueOnStepFailure?: boolean;
  catchUp?: string;
  maxCatchUpRuns?: string;
  disabled?: boolean;
  frequency?: string;
  interval?: string;
  startTime?: string;
  endTime?: string;
  timeZone?: string;
  hours?: string;
  minutes?: string;
  timeOfDay?: string;
  weekDays?: string;
  monthDays?: string;
  monthlyOccurrences?: string;
  cron?: string;
  datastore?: string;
  pathOnDatastore?: string;
  pollingInterval?: string;
  dataPathParameter?: string;
}

const collect = (value: string, previous: string[] = []) => [...previous, value];

/** The Azure ML v2 target flags (CONTRACT 7), shared by `create`, `update`, `submit` and `migrate`. */
export function addV2TargetFlags(command: Command): Command {
  return command
    .option("--batch-endpoint <name>", "target (Azure ML v2): a batch endpoint of the workspace")
    .option("--batch-endpoint-url <url>", "target (Azure ML v2): a batch endpoint's scoring URI")
    .option("--deployment <name>", "the batch endpoint's deployment (default: its default deployment)")
    .option(
      "--pipeline-component <name>",
      "target (Azure ML v2): a pipeline component, run as a pipeline job",
    )
    .option("--component-version <version>", "the component's version (default: latest)")
    .option("--compute <name>", "the pipeline job's default compute")
    .option(
      "--output <name=datastore:path>",
      "a v2 output, e.g. scores=workspaceblobstore:scored/{runId}/ (repeatable; a trailing / is a folder)",
      collect,
    );
}

/** Adds the schedule flags to a command (`create` and `update` share them). */
export function addScheduleFlags(command: Command): Command {
  return addV2TargetFlags(command)
    .option("--description <text>", "description")
    .option("--experiment <name>", "experiment name (ExperimentName); cannot change after creation")
    .option("--pipeline-id <id>", "target: published pipeline id")
    .option("--pipeline-endpoint-id <id>", "target: pipeline endpoint id")
    .option("--pipeline-endpoint-name <name>", "target: pipeline endpoint name")
    .option("--pipeline-version <version>", "version of the pipeline endpoint")
    .option("--endpoint-url <url>", "target: the endpoint URL of a published pipeline or endpoint, as is")
    .option("--param <name=value>", "a pipeline parameter (repeatable)", collect)
    .option("--data-path <name=datastore:path>", "a DataPath parameter (repeatable)", collect)
    .option("--continue-on-step-failure", "continue other steps when a step fails")
    .option("--catch-up <mode>", "missed runs: latest (default), none or all")
    .option("--max-catch-up-runs <n>", "with --catch-up all: how many missed runs at most (default 10)")
    .option("--frequency <unit>", "recurrence: Minute, Hour, Day, Week or Month")
    .option("--interval <n>", "recurrence: every n units")
    .option("--start-time <time>", "YYYY-MM-DDThh:mm:ss, local to --time-zone (or with Z / an offset)")
    .option("--end-time <time>", "nothing fires after it; same format")
    .option(
      "--time-zone <zone>",
      'Windows ("Pacific Standard Time") or IANA ("America/Los_Angeles") zone; default UTC',
    )
    .option("--hours <list>", "recurrence: hours of the day, e.g. 9,17 (Day, Week, Month)")
    .option("--minutes <list>", "recurrence: minutes of the hour, e.g. 0,30 (Hour, Day, Week, Month)")
    .option("--time-of-day <hh:mm>", "recurrence: one time of day")
    .option("--week-days <list>", "recurrence: e.g. Monday,Wednesday (Week)")
    .option("--month-days <list>", "recurrence: e.g. 1,15,-1 (-1 is the last day) (Month)")
    .option("--monthly-occurrences <list>", "recurrence: e.g. Friday:1,Monday:-1 (Month)")
    .option("--cron <expression>", "cron trigger: five fields, or six with seconds first")
    .option("--datastore <name>", "change-based trigger: the registered datastore to watch")
    .option("--path-on-datastore <folder>", "change-based trigger: the folder to watch")
    .option("--polling-interval <minutes>", "change-based trigger: minutes between checks (default 5)")
    .option(
      "--data-path-parameter <name>",
      "change-based trigger: DataPath parameter set to each changed blob",
    );
}

/** The target given by flags, or undefined when none is. */
export function targetFromFlags(flags: ScheduleFlags): Record<string, string> | undefined {
  const target: Record<string, string> = {};
  if (flags.pipelineId !== undefined) target.pipelineId = flags.pipelineId;
  if (flags.pipelineEndpointId !== undefined) target.pipelineEndpointId = flags.pipelineEndpointId;
  if (flags.pipelineEndpointName !== undefined) target.pipelineEndpointName = flags.pipelineEndpointName;
  if (flags.endpointUrl !== undefined) target.endpointUrl = flags.endpointUrl;
  if (flags.pipelineVersion !== undefined) target.pipelineVersion = flags.pipelineVersion;
  Object.assign(target, v2TargetFromFlags(flags));
  return Object.keys(target).length === 0 ? undefined : target;
}

/** The v2 target fields the flags give (empty when none). */
export function v2TargetFromFlags(flags: ScheduleFlags): Record<string, string> {
  const target: Record<string, string> = {};
  if (flags.batchEndpoint !== undefined) target.batchEndpoint = flags.batchEndpoint;
  if (flags.batchEndpointUrl !== undefined) target.batchEndpointUrl = flags.batchEndpointUrl;
  if (flags.deployment !== undefined) target.deployment = flags.deployment;
  if (flags.pipelineComponent !== undefined) target.pipelineComponent = flags.pipelineComponent;
  if (flags.componentVersion !== undefined) target.version = flags.componentVersion;
  if (flags.compute !== undefined) target.compute = flags.compute;
  return target;
}

/** `name=datastore:path` pairs as v2 outputs (CONTRACT 1); the kind follows the trailing `/`. */
export function outputsFromFlags(
  pairs: readonly string[],
): Record<string, { datastoreName: string; path: string }> {
  return Object.fromEntries(
    Object.entries(dataPathsFromFlags(pairs, "--output")).map(([name, path]) => [
      name,
      { datastoreName: path.dataStoreName, path: path.relativePath },
    ]),
  );
}

/** The trigger fields given by flags (without `type` when no kind-specific flag says which). */
export function triggerFromFlags(flags: ScheduleFlags): Record<string, unknown> | undefined {
  const trigger: Record<string, unknown> = {};
  const kinds = [
    flags.cron !== undefined ? "cron" : undefined,
    flags.datastore !== undefined ? "datastore" : undefined,
    flags.frequency !== undefined ? "recurrence" : undefined,
  ].filter((kind) => kind !== undefined);
  if (kinds.length > 1)
    throw new FlagError(
      `--cron, --datastore and --frequency choose different triggers (${kinds.join(", ")})`,
    );
  if (kinds[0] !== undefined) trigger.type = kinds[0];
  if (flags.cron !== undefined) trigger.expression = flags.cron;
  if (flags.datastore !== undefined) trigger.datastoreName = flags.datastore;
  if (flags.pathOnDatastore !== undefined) trigger.pathOnDatastore = flags.pathOnDatastore;
  if (flags.pollingInterval !== undefined)
    trigger.pollingIntervalMinutes = integer(flags.pollingInterval, "--polling-interval");
  if (flags.dataPathParameter !== undefined) trigger.dataPathParameterName = flags.dataPathParameter;
  if (flags.frequency !== undefined) trigger.frequency = capitalized(flags.frequency);
  if (flags.interval !== undefined) trigger.interval = integer(flags.interval, "--interval");
  if (flags.startTime !== undefined) trigger.startTime = flags.startTime;
  if (flags.endTime !== undefined) trigger.endTime = flags.endTime;
  if (flags.timeZone !== undefined) trigger.timeZone = flags.timeZone;
  if (flags.hours !== undefined) trigger.hours = integers(flags.hours, "--hours");
  if (flags.minutes !== undefined) trigger.minutes = integers(flags.minutes, "--minutes");
  if (flags.timeOfDay !== undefined) trigger.timeOfDay = flags.timeOfDay;
  if (flags.weekDays !== undefined) trigger.weekDays = list(flags.weekDays).map(capitalized);
  if (flags.monthDays !== undefined) trigger.monthDays = integers(flags.monthDays, "--month-days");
  if (flags.monthlyOccurrences !== undefined) {
    trigger.monthlyOccurrences = list(flags.monthlyOccurrences).map((item) => {
      const [day, occurrence] = item.split(":");
      if (day === undefined || occurrence === undefined) {
        throw new FlagError(`--monthly-occurrences takes day:occurrence items such as Friday:1, not ${item}`);
      }
      return { day: capitalized(day), occurrence: integer(occurrence, "--monthly-occurrences") };
    });
  }
  return Object.keys(trigger).length === 0 ? undefined : trigger;
}

/**
 * Every schedule field the flags give, as in POST /schedules and in a merge patch. Parameter values are typed for a
 * v2 target (typedParametersFromFlags): one the flags name, or `v2Target` (the schedule's own, for `update`).
 */
export function scheduleFieldsFromFlags(flags: ScheduleFlags, v2Target = false): Record<string, unknown> {
  const fields: Record<string, unknown> = {};
  if (flags.description !== undefined) fields.description = flags.description;
  if (flags.experiment !== undefined) fields.experimentName = flags.experiment;
  const target = targetFromFlags(flags);
  if (target !== undefined) fields.target = target;
  if (flags.param !== undefined) {
    fields.parameterAssignments =
      v2Target || Object.keys(v2TargetFromFlags(flags)).length > 0
        ? typedParametersFromFlags(flags.param)
        : parametersFromFlags(flags.param);
  }
  if (flags.dataPath !== undefined) fields.dataPathAssignments = dataPathsFromFlags(flags.dataPath);
  if (flags.output !== undefined) fields.outputs = outputsFromFlags(flags.output);
  if (flags.continueOnStepFailure !== undefined) fields.continueOnStepFailure = flags.continueOnStepFailure;
  if (flags.catchUp !== undefined || flags.maxCatchUpRuns !== undefined) {
    fields.policy = {
      ...(flags.catchUp === undefined ? {} : { catchUp: flags.catchUp }),
      ...(flags.maxCatchUpRuns === undefined
        ? {}
        : { maxCatchUpRuns: integer(flags.maxCatchUpRuns, "--max-catch-up-runs") }),
    };
  }
  if (flags.disabled) fields.status = "Disabled";
  const trigger = triggerFromFlags(flags);
  if (trigger !== undefined) fields.trigger = trigger;
  return fields;
}

/** `name=value` pairs; values stay text, as Azure ML receives every parameter (CONTRACT 3). */
export function parametersFromFlags(pairs: readonly string[]): Record<string, string> {
  return Object.fromEntries(pairs.map((pair) => splitPair(pair, "--param")));
}

/**
 * `name=value` pairs for a v2 target, whose Literal inputs carry their JSON value as given (CONTRACT 7): a JSON
 * number or `true` / `false` is that value, anything else text. (A v1 target gets text, as the SDK sends it.)
 */
export function typedParametersFromFlags(
  pairs: readonly string[],
): Record<string, string | number | boolean> {
  return Object.fromEntries(
    Object.entries(parametersFromFlags(pairs)).map(([name, text]) => [name, typedValue(text)]),
  );
}

/** JSON's number grammar (RFC 8259 6); an integer beyond 2^53 stays text rather than lose digits. */
function typedValue(text: string): string | number | boolean {
  if (text === "true" || text === "false") return text === "true";
  if (!/^-?(0|[1-9]\d*)(\.\d+)?([eE][+-]?\d+)?$/.test(text)) return text;
  const number = Number(text);
  const integerText = /^-?\d+$/.test(text);
  return Number.isFinite(number) && (!integerText || Number.isSafeInteger(number)) ? number : text;
}

/** `name=datastore:relative/path` pairs. */
export function dataPathsFromFlags(
  pairs: readonly string[],
  flag = "--data-path",
): Record<string, { dataStoreName: string; relativePath: string }> {
  return Object.fromEntries(
    pairs.map((pair) => {
      const [name, value] = splitPair(pair, flag);
      const colon = value.indexOf(":");
      if (colon <= 0) throw new FlagError(`${flag} takes name=datastore:path, not ${pair}`);
      return [name, { dataStoreName: value.slice(0, colon), relativePath: value.slice(colon + 1) }];
    }),
  );
}

function splitPair(pair: string, flag: string): [string, string] {
  const equals = pair.indexOf("=");
  if (equals <= 0) throw new FlagError(`${flag} takes name=value, not ${pair}`);
  return [pair.slice(0, equals), pair.slice(equals + 1)];
}

function list(text: string): string[] {
  return text
    .split(",")
    .map((item) => item.trim())
    .filter((item) => item !== "");
}

function integer(text: string, flag: string): number {
  if (!/^-?\d+$/.test(text.trim())) throw new FlagError(`${flag} takes integers, not ${text}`);
  return Number(text);
}

function integers(text: string, flag: string): number[] {
  return list(text).map((item) => integer(item, flag));
}

/** `week` → `Week`, `monday` → `Monday`: the API's enums are capitalized. */
function capitalized(text: string): string {
  return text.length === 0 ? text : `${text[0]?.toUpperCase() ?? ""}${text.slice(1).toLowerCase()}`;
}
