import { parse } from "yaml";

/**
 * An Azure ML v2 schedule YAML (`az ml schedule create --file`, `$schema: .../schedule.schema.json`) turned into the
 * fields of a schedule of this service; the target comes from the command line, as `create_job` names a v2 job, not
 * a target. Keys as MicrosoftDocs/azure-ai-docs `articles/machine-learning/reference-yaml-schedule.md` and the SDK
 * schema (azure-ai-ml `azure/ai/ml/_schema/schedule/trigger.py`) have them:
 * - `trigger.type: recurrence` with `frequency` (minute, hour, day, week, month, lower case), `interval`, `schedule`
 *   (`hours`, `minutes`, `week_days`, `month_days`, each a value or a list), `start_time`, `end_time`, `time_zone`;
 * - `trigger.type: cron` with `expression`, `start_time`, `end_time`, `time_zone`;
 * - `create_job.experiment_name`, `inputs`, `outputs`, `settings`.
 * The reference page's table spells two keys `timezone` and `pattern` where the SDK schema and the how-to's examples
 * say `time_zone` and `schedule`; both spellings are read.
 *
 * What Azure ML v2 does differently is said in the notes, not silently changed: its cron ignores the day-of-month
 * and month fields (MicrosoftDocs/azure-ai-docs `articles/machine-learning/how-to-schedule-pipeline-job.md`,
 * Limitations: "DAYS and MONTHS values aren't supported in cron schedule expressions. Values passed for these
 * parameters are ignored and treated as *"), which this service honours.
 */

export class V2YamlError extends Error {
  override name = "V2YamlError";
}

export interface ImportedSchedule {
  fields: Record<string, unknown>;
  /** What differs from Azure ML v2, or was not carried over, in words for the user. */
  notes: string[];
  /** `create_job.settings.default_compute`, for a pipelineComponent target given without a compute. */
  defaultCompute?: string;
}

const TOP_LEVEL_KEYS = [
  "$schema",
  "name",
  "version",
  "display_name",
  "description",
  "tags",
  "properties",
  "is_enabled",
  "trigger",
  "create_job",
] as const;
const RECURRENCE_KEYS = [
  "type",
  "frequency",
  "interval",
  "schedule",
  "pattern",
  "start_time",
  "end_time",
  "time_zone",
  "timezone",
];
const CRON_KEYS = ["type", "expression", "start_time", "end_time", "time_zone", "timezone"];
const PATTERN_KEYS = ["hours", "minutes", "week_days", "weekdays", "month_days"];

/** Whether the text is a v2 schedule YAML (a `$schema` naming schedule.schema.json, or `trigger` with `create_job`). */
export function isV2ScheduleYaml(text: string): boolean {
  let document: unknown;
  try {
    document = parse(text);
  } catch {
    return false;
  }
  if (!isObject(document)) return false;
  const schema = document.$schema;
  return (
    (typeof schema === "string" && /schedule\.schema\.json$/.test(schema)) ||
    (document.trigger !== undefined && document.create_job !== undefined)
  );
}

export function scheduleFieldsFromV2Yaml(text: string): ImportedSchedule {
  let document: unknown;
  try {
    document = parse(text);
  } catch (error) {
    throw new V2YamlError(`The file is not YAML: ${(error as Error).message}`);
  }
  if (!isObject(document)) throw new V2YamlError("The file must be a mapping with trigger and create_job");
  unknownKeys(document, TOP_LEVEL_KEYS, "the schedule");
  const notes: string[] = [];
  const fields: Record<string, unknown> = {};
  if (typeof document.description === "string") fields.description = document.description;
  if (document.is_enabled === false) fields.status = "Disabled";
  if (!isObject(document.trigger)) throw new V2YamlError("trigger must be a mapping with a type");
  fields.trigger = triggerOf(document.trigger, notes);
  const job = document.create_job;
  if (!isObject(job)) {
    if (job !== undefined)
      notes.push(`create_job ${textOf(job)} is not read: the target comes from the command line`);
    return { fields, notes };
  }
  Object.assign(fields, jobFields(job, notes));
  const settings = isObject(job.settings) ? job.settings : {};
  if (settings.continue_on_step_failure !== undefined) {
    notes.push(
      "create_job.settings.continue_on_step_failure is not carried over: a v2 target keeps its own setting",
    );
  }
  return typeof settings.default_compute === "string"
    ? { fields, notes, defaultCompute: settings.default_compute }
    : { fields, notes };
}

function triggerOf(trigger: Record<string, unknown>, notes: string[]): Record<string, unknown> {
  const type = textOf(trigger.type ?? "").toLowerCase();
  const common = (keys: readonly string[]) => {
    unknownKeys(trigger, keys, "trigger");
    const result: Record<string, unknown> = {};
    if (trigger.start_time !== undefined) result.startTime = dateTimeText(trigger.start_time);
    if (trigger.end_time !== undefined) result.endTime = dateTimeText(trigger.end_time);
    const zone = trigger.time_zone ?? trigger.timezone;
    if (zone !== undefined) result.timeZone = textOf(zone);
    return result;
  };
  if (type === "cron") {
    const expression = textOf(trigger.expression ?? "");
    const fields = expression.trim().split(/\s+/);
    const [, , days = "*", months = "*"] = fields;
    if (fields.length === 5 && (days !== "*" || months !== "*")) {
      notes.push(
        `cron "${expression}": Azure ML v2 ignores its day-of-month and month fields (treats them as *); this ` +
          "service honours them, so the schedule fires only on the days and months they name",
      );
    }
    return { type: "cron", expression, ...common(CRON_KEYS) };
  }
  if (type !== "recurrence")
    throw new V2YamlError(`trigger.type must be recurrence or cron, not ${textOf(trigger.type)}`);
  const result: Record<string, unknown> = {
    type: "recurrence",
    frequency: capitalized(textOf(trigger.frequency ?? "")),
    interval: trigger.interval,
    ...common(RECURRENCE_KEYS),
  };
  const pattern = trigger.schedule ?? trigger.pattern;
  if (pattern !== undefined) {
    if (!isObject(pattern)) throw new V2YamlError("trigger.schedule must be a mapping");
    unknownKeys(pattern, PATTERN_KEYS, "trigger.schedule");
    if (pattern.hours !== undefined) result.hours = listOf(pattern.hours);
    if (pattern.minutes !== undefined) result.minutes = listOf(pattern.minutes);
    const weekDays = pattern.week_days ?? pattern.weekdays;
    if (weekDays !== undefined) result.weekDays = listOf(weekDays).map((day) => capitalized(textOf(day)));
    if (pattern.month_days !== undefined) result.monthDays = listOf(pattern.month_days);
  }
  return result;
}

/**
 * `create_job`'s experiment, inputs and outputs: literal inputs become parameterAssignments, `uri_file` / `uri_folder`
 * inputs on `azureml://datastores/<ds>/paths/<path>` dataPathAssignments, and outputs there `outputs`, whose v2 macros
 * `${{name}}` (the job's name) and `${{creation_context.trigger_time}}` become `{runId}` and `{scheduledFor}`.
 */
function jobFields(job: Record<string, unknown>, notes: string[]): Record<string, unknown> {
  const fields: Record<string, unknown> = {};
  if (typeof job.experiment_name === "string") fields.experimentName = job.experiment_name;
  if (job.job !== undefined)
    notes.push(`create_job.job ${textOf(job.job)} is not read: the target comes from the command line`);
  const parameters: Record<string, unknown> = {};
  const dataPaths: Record<string, unknown> = {};
  for (const [name, input] of Object.entries(isObject(job.inputs) ? job.inputs : {})) {
    if (!isObject(input)) {
      parameters[name] = input;
      continue;
    }
    const type = textOf(input.type ?? "");
    if (type === "uri_file" || type === "uri_folder") {
      dataPaths[name] = {
        ...datastorePath(input.path, `create_job.inputs.${name}.path`),
        kind: type === "uri_file" ? "file" : "folder",
      };
    } else if (input.value !== undefined || input.default !== undefined) {
      parameters[name] = input.value ?? input.default;
    } else {
      throw new V2YamlError(
        `create_job.inputs.${name}: only literal, uri_file and uri_folder inputs can be imported`,
      );
    }
  }
  if (Object.keys(parameters).length > 0) fields.parameterAssignments = parameters;
  if (Object.keys(dataPaths).length > 0) fields.dataPathAssignments = dataPaths;
  const outputs: Record<string, unknown> = {};
  for (const [name, output] of Object.entries(isObject(job.outputs) ? job.outputs : {})) {
    if (!isObject(output) || output.path === undefined) continue;
    const { dataStoreName, relativePath } = datastorePath(output.path, `create_job.outputs.${name}.path`);
    outputs[name] = {
      datastoreName: dataStoreName,
      path: relativePath
        .replaceAll("${{name}}", "{runId}")
        .replaceAll("${{creation_context.trigger_time}}", "{scheduledFor}"),
      ...(output.type === "uri_file" ? { kind: "file" } : {}),
    };
  }
  if (Object.keys(outputs).length > 0) fields.outputs = outputs;
  return fields;
}

function datastorePath(path: unknown, key: string): { dataStoreName: string; relativePath: string } {
  const match = /^azureml:\/\/datastores\/([^/]+)\/paths\/(.+)$/.exec(textOf(path));
  if (match === null) {
    throw new V2YamlError(
      `${key} must be azureml://datastores/<datastore>/paths/<path>, not ${textOf(path)}`,
    );
  }
  return { dataStoreName: match[1] ?? "", relativePath: match[2] ?? "" };
}

function unknownKeys(mapping: Record<string, unknown>, known: readonly string[], where: string): void {
  const unknown = Object.keys(mapping).filter((key) => !known.includes(key));
  if (unknown.length > 0) throw new V2YamlError(`Unknown keys in ${where}: ${unknown.join(", ")}`);
}

function listOf(value: unknown): unknown[] {
  return Array.isArray(value) ? value : [value];
}

function capitalized(text: string): string {
  return text.length === 0 ? text : `${text[0]?.toUpperCase() ?? ""}${text.slice(1).toLowerCase()}`;
}

/** A YAML 1.1 timestamp may arrive as a Date, an instant; v2 start times are text "with timezone". */
function dateTimeText(value: unknown): string {
  if (value instanceof Date) return value.toISOString().replace(/\.000Z$/, "Z");
  return textOf(value);
}

function isObject(value: unknown): value is Record<string, unknown> {
  return typeof value === "object" && value !== null && !Array.isArray(value);
}

/** A scalar as YAML wrote it; a mapping or list as JSON, so that a message shows what was there. */
function textOf(value: unknown): string {
  if (typeof value === "string") return value;
  if (typeof value === "number" || typeof value === "boolean" || typeof value === "bigint") return `${value}`;
  return JSON.stringify(value) ?? "";
}
