import { parse } from "yaml";

/**
 * The YAML that the Azure ML SDK v1's `Schedule.load_yaml(workspace, filename)` reads, turned into the fields of a
 * schedule of this service. The file has a `Schedule:` section with `description`, `pipeline_parameters`,
 * `continue_on_step_failure`, and either `recurrence:` (`frequency`, `interval`, `start_time`, `time_zone`,
 * `hours`, `minutes`, `time_of_day`, `week_days`) or `datastore_name`, `polling_interval`,
 * `data_path_parameter_name`, `path_on_datastore`. `wait_for_provisioning` and `wait_timeout` mean nothing here.
 *
 * SDK quirk kept on purpose: `ScheduleRecurrence` sets `time_zone` to `TimeZone.GMTStandardTime` ("GMT Standard
 * Time", London time with its summer time, not UTC) when `start_time` is given without `time_zone`. A file that
 * relied on that must fire at the same instants here, so the same default applies.
 */
export const SDK_DEFAULT_TIME_ZONE = "GMT Standard Time";

export class SdkYamlError extends Error {
  override name = "SdkYamlError";
}

/** Keys of the SDK's `ScheduleYaml` and `ScheduleRecurrenceYaml` lists (azureml.pipeline.core._yaml_keys). */
const SCHEDULE_KEYS = [
  "description",
  "pipeline_parameters",
  "wait_for_provisioning",
  "wait_timeout",
  "datastore_name",
  "polling_interval",
  "data_path_parameter_name",
  "continue_on_step_failure",
  "path_on_datastore",
  "recurrence",
] as const;
const RECURRENCE_KEYS = [
  "frequency",
  "interval",
  "start_time",
  "time_zone",
  "hours",
  "minutes",
  "time_of_day",
  "week_days",
] as const;

/** Fields of POST /schedules read from the file; name, target and experimentName come from flags. */
export function scheduleFieldsFromSdkYaml(text: string): Record<string, unknown> {
  let document: unknown;
  try {
    document = parse(text);
  } catch (error) {
    throw new SdkYamlError(`The file is not YAML: ${(error as Error).message}`);
  }
  const section = isObject(document) ? document.Schedule : undefined;
  if (!isObject(section))
    throw new SdkYamlError('The file must have a "Schedule:" section, as Schedule.load_yaml requires');
  const unknown = Object.keys(section).filter((key) => !(SCHEDULE_KEYS as readonly string[]).includes(key));
  if (unknown.length > 0) throw new SdkYamlError(`Unknown keys in Schedule: ${unknown.join(", ")}`);

  const fields: Record<string, unknown> = {};
  const description = present(section.description);
  if (description !== undefined) fields.description = scalarText(description, "Schedule.description");
  const parameters = present(section.pipeline_parameters);
  if (parameters !== undefined) {
    if (!isObject(parameters)) throw new SdkYamlError("Schedule.pipeline_parameters must be a mapping");
    fields.parameterAssignments = parameters;
  }
  const continueOnStepFailure = present(section.continue_on_step_failure);
  if (continueOnStepFailure !== undefined)
    fields.continueOnStepFailure = pythonBoolean(continueOnStepFailure);

  const recurrence = present(section.recurrence);
  const datastore = present(section.datastore_name);
  if (recurrence !== undefined && datastore !== undefined) {
    throw new SdkYamlError("Schedule has both recurrence and datastore_name; a schedule has one trigger");
  }
  if (recurrence !== undefined) fields.trigger = recurrenceTrigger(recurrence);
  else if (datastore !== undefined)
    fields.trigger = datastoreTrigger(section, scalarText(datastore, "Schedule.datastore_name"));
  return fields;
}

function recurrenceTrigger(recurrence: unknown): Record<string, unknown> {
  if (!isObject(recurrence)) throw new SdkYamlError("Schedule.recurrence must be a mapping");
  const unknown = Object.keys(recurrence).filter(
    (key) => !(RECURRENCE_KEYS as readonly string[]).includes(key),
  );
  if (unknown.length > 0)
    throw new SdkYamlError(`Unknown keys in Schedule.recurrence: ${unknown.join(", ")}`);
  const trigger: Record<string, unknown> = { type: "recurrence" };
  const names: Record<(typeof RECURRENCE_KEYS)[number], string> = {
    frequency: "frequency",
    interval: "interval",
    start_time: "startTime",
    time_zone: "timeZone",
    hours: "hours",
    minutes: "minutes",
    time_of_day: "timeOfDay",
    week_days: "weekDays",
  };
  for (const key of RECURRENCE_KEYS) {
    const value = present(recurrence[key]);
    if (value === undefined) continue;
    trigger[names[key]] = key === "start_time" ? dateTimeText(value) : value;
  }
  const startTime = trigger.startTime;
  if (
    typeof startTime === "string" &&
    trigger.timeZone === undefined &&
    !/(Z|[+-]\d{2}:?\d{2})$/i.test(startTime)
  ) {
    trigger.timeZone = SDK_DEFAULT_TIME_ZONE;
  }
  return trigger;
}

function datastoreTrigger(section: Record<string, unknown>, datastoreName: string): Record<string, unknown> {
  const trigger: Record<string, unknown> = { type: "datastore", datastoreName };
  const path = present(section.path_on_datastore);
  if (path !== undefined) trigger.pathOnDatastore = scalarText(path, "Schedule.path_on_datastore");
  const polling = present(section.polling_interval);
  if (polling !== undefined) trigger.pollingIntervalMinutes = polling;
  const parameter = present(section.data_path_parameter_name);
  if (parameter !== undefined)
    trigger.dataPathParameterName = scalarText(parameter, "Schedule.data_path_parameter_name");
  return trigger;
}

/** YAML's null (`~`, empty) and the Python `None` that the SDK's own sample writes both mean "not given". */
function present(value: unknown): unknown {
  return value === null || value === undefined || value === "None" ? undefined : value;
}

function scalarText(value: unknown, key: string): string {
  if (typeof value === "string") return value;
  if (typeof value === "number" || typeof value === "boolean") return String(value);
  throw new SdkYamlError(`${key} must be a text, not a ${Array.isArray(value) ? "list" : "mapping"}`);
}

function pythonBoolean(value: unknown): boolean {
  if (typeof value === "boolean") return value;
  if (value === "True" || value === "true") return true;
  if (value === "False" || value === "false") return false;
  throw new SdkYamlError(`Schedule.continue_on_step_failure must be True or False, not ${String(value)}`);
}

/** A YAML 1.1 timestamp may arrive as a Date (UTC); the SDK sends `start_time` as `YYYY-MM-DDThh:mm:ss` text. */
function dateTimeText(value: unknown): string {
  if (value instanceof Date) return value.toISOString().slice(0, 19);
  return String(value);
}

function isObject(value: unknown): value is Record<string, unknown> {
  return typeof value === "object" && value !== null && !Array.isArray(value);
}
