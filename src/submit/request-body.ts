import { z } from "zod";
import type { RunReason } from "../runs/run-record.js";
import {
  dataPathSchema,
  experimentNameSchema,
  parameterAssignmentsSchema,
  type ScheduleDefinition,
} from "../schedules/schema.js";

/** The JSON body of an AML pipeline submission (CONTRACT 3): the REST `PipelineSubmissionInfo` in PascalCase. */

const MAX_ASSIGNMENTS = 100;

const pascalDataPathSchema = z
  .strictObject({
    DataStoreName: dataPathSchema.shape.dataStoreName,
    RelativePath: dataPathSchema.shape.relativePath,
  })
  .meta({ id: "AmlDataPath" });

/** The body `POST /pipelines/{id}/submit` and `POST /pipelineEndpoints/{id}/submit` accept (CONTRACT 4). */
export const amlSubmitBodySchema = z
  .strictObject({
    ExperimentName: experimentNameSchema,
    ParameterAssignments: parameterAssignmentsSchema.optional(),
    DataPathAssignments: z
      .record(parameterAssignmentsSchema.keyType, pascalDataPathSchema)
      .refine((record) => Object.keys(record).length <= MAX_ASSIGNMENTS, {
        message: `must have at most ${MAX_ASSIGNMENTS} entries`,
      })
      .optional(),
    RunSource: z.string().min(1).max(64).optional().meta({ description: 'Defaults to "API".' }),
    ContinueOnStepFailure: z.boolean().optional(),
    Description: z.string().max(4096).optional(),
    Tags: z.record(z.string().min(1).max(255), z.string().max(4096)).optional(),
  })
  .meta({ id: "PipelineSubmission" });
export type AmlSubmitRequest = z.output<typeof amlSubmitBodySchema>;

/** What is POSTed: every field present, parameter values as strings. */
export interface AmlSubmitBody {
  ExperimentName: string;
  ParameterAssignments: Record<string, string>;
  DataPathAssignments: Record<string, z.output<typeof pascalDataPathSchema>>;
  RunSource: string;
  ContinueOnStepFailure: boolean;
  Description: string;
  Tags: Record<string, string>;
}

export interface ScheduleSubmitInput {
  schedule: {
    id: string;
    definition: Pick<
      ScheduleDefinition,
      "name" | "experimentName" | "parameterAssignments" | "dataPathAssignments" | "continueOnStepFailure"
    >;
  };
  reason: Exclude<RunReason, "api">;
  /** The occurrence or folder check the run is for; null for manual runs. */
  scheduledFor: Date | null;
  /** Merged over the schedule's own, e.g. the changed blob of a datastore run (CONTRACT 2.3). */
  extraDataPathAssignments?: ScheduleDefinition["dataPathAssignments"];
}

/** The body of a schedule's run (CONTRACT 3). */
export function pipelineSubmitBody(input: ScheduleSubmitInput): AmlSubmitBody {
  const { schedule, reason, scheduledFor } = input;
  const { definition } = schedule;
  const tagsScheduledFor = reason !== "manual" && scheduledFor !== null;
  const dataPaths = { ...definition.dataPathAssignments, ...input.extraDataPathAssignments };
  return {
    ExperimentName: definition.experimentName,
    ParameterAssignments: stringifyParameters(definition.parameterAssignments),
    DataPathAssignments: Object.fromEntries(
      Object.entries(dataPaths).map(([name, dataPath]) => [
        name,
        { DataStoreName: dataPath.dataStoreName, RelativePath: dataPath.relativePath },
      ]),
    ),
    RunSource: "API",
    ContinueOnStepFailure: definition.continueOnStepFailure,
    Description: tagsScheduledFor
      ? `Scheduled by ${definition.name} for ${scheduledFor.toISOString()}`
      : `Run now of schedule ${definition.name}`,
    Tags: {
      scheduleId: schedule.id,
      scheduleName: definition.name,
      ...(tagsScheduledFor ? { scheduledFor: scheduledFor.toISOString() } : {}),
    },
  };
}

/** The body of an API submission (`POST /pipelines/{id}/submit`): the caller's, completed; no schedule tags. */
export function apiSubmitBody(request: AmlSubmitRequest): AmlSubmitBody {
  return {
    ExperimentName: request.ExperimentName,
    ParameterAssignments: stringifyParameters(request.ParameterAssignments ?? {}),
    DataPathAssignments: request.DataPathAssignments ?? {},
    RunSource: request.RunSource ?? "API",
    ContinueOnStepFailure: request.ContinueOnStepFailure ?? false,
    Description: request.Description ?? "Submitted through the aml-pipeline-scheduler API",
    Tags: request.Tags ?? {},
  };
}

/** Parameter values as the Python SDK sends them: `str(value)`, so `True`/`False` for booleans. */
export function stringifyParameterValue(value: string | number | boolean): string {
  if (typeof value === "boolean") return value ? "True" : "False";
  return String(value);
}

function stringifyParameters(parameters: Record<string, string | number | boolean>): Record<string, string> {
  return Object.fromEntries(
    Object.entries(parameters).map(([name, value]) => [name, stringifyParameterValue(value)]),
  );
}
