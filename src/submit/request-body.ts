import { z } from "zod";
import type { RunReason } from "../runs/run-record.js";
import {
  dataPathSchema,
  dataSetDefinitionValueAssignmentsSchema,
  experimentNameSchema,
  parameterAssignmentsSchema,
  type DataSetDefinitionValueAssignments,
  type ScheduleDefinition,
} from "../schedules/schema.js";
import { pythonStr } from "./python-str.js";

/**
 * The JSON body of an AML pipeline submission (CONTRACT 3): the REST `PipelineSubmissionInfo` in PascalCase. Keys
 * as in MicrosoftDocs/azure-docs `articles/machine-learning/v1/how-to-deploy-pipelines.md` ("Run a published
 * pipeline": ExperimentName, ParameterAssignments, DataPathAssignments, DataSetDefinitionValueAssignments,
 * RunSource, Description, Tags) and the notebook `aml-pipelines-showcasing-datapath-and-pipelineparameter.ipynb`.
 */

const MAX_ASSIGNMENTS = 100;

const pascalDataPathSchema = z
  .strictObject({
    DataStoreName: dataPathSchema.shape.dataStoreName,
    RelativePath: dataPathSchema.shape.relativePath,
  })
  .meta({ id: "AmlDataPath" });

const STEP_FAILURE_DESCRIPTION =
  "Whether the other steps go on when one fails. Either key may be given (both must then agree); the service " +
  "sends both, and neither when neither is given, so that the pipeline's published setting holds.";

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
    DataSetDefinitionValueAssignments: dataSetDefinitionValueAssignmentsSchema.optional(),
    RunSource: z.string().min(1).max(64).optional().meta({ description: 'Defaults to "API".' }),
    ContinueRunOnStepFailure: z.boolean().optional().meta({ description: STEP_FAILURE_DESCRIPTION }),
    ContinueOnStepFailure: z.boolean().optional().meta({ description: STEP_FAILURE_DESCRIPTION }),
    Description: z.string().max(4096).optional(),
    Tags: z.record(z.string().min(1).max(255), z.string().max(4096)).optional(),
  })
  .superRefine((body, ctx) => {
    if (
      body.ContinueRunOnStepFailure !== undefined &&
      body.ContinueOnStepFailure !== undefined &&
      body.ContinueRunOnStepFailure !== body.ContinueOnStepFailure
    ) {
      ctx.addIssue({
        code: "custom",
        path: ["ContinueRunOnStepFailure"],
        message: "must equal ContinueOnStepFailure when both are given (they are one setting)",
      });
    }
  })
  .meta({ id: "PipelineSubmission" });
export type AmlSubmitRequest = z.output<typeof amlSubmitBodySchema>;

/** The step-failure flag under both of its names, or nothing (CONTRACT 3). */
interface StepFailureFlag {
  /**
   * azureml-pipeline-core `azureml/pipeline/core/_aeva_provider.py` submits
   * `PipelineSubmissionInfo(continue_run_on_step_failure=...)`, whose REST key is `ContinueRunOnStepFailure`
   * (AML's run entity carries the same name); "if provided, overrides the continue on step failure setting of
   * the Pipeline".
   */
  ContinueRunOnStepFailure?: boolean;
  /** Data Factory's "Machine Learning Execute Pipeline" activity documents `continueOnStepFailure`. */
  ContinueOnStepFailure?: boolean;
}

/** What is POSTed: parameter values as strings; the step-failure flag and dataset values only when given. */
export interface AmlSubmitBody extends StepFailureFlag {
  ExperimentName: string;
  ParameterAssignments: Record<string, string>;
  DataPathAssignments: Record<string, z.output<typeof pascalDataPathSchema>>;
  DataSetDefinitionValueAssignments?: DataSetDefinitionValueAssignments;
  RunSource: string;
  Description: string;
  Tags: Record<string, string>;
}

export interface ScheduleSubmitInput {
  schedule: {
    id: string;
    definition: Pick<
      ScheduleDefinition,
      | "name"
      | "experimentName"
      | "parameterAssignments"
      | "dataPathAssignments"
      | "dataSetDefinitionValueAssignments"
      | "continueOnStepFailure"
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
    ...dataSetAssignments(definition.dataSetDefinitionValueAssignments),
    RunSource: "API",
    ...stepFailureFlag(definition.continueOnStepFailure),
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
    ...dataSetAssignments(request.DataSetDefinitionValueAssignments),
    RunSource: request.RunSource ?? "API",
    ...stepFailureFlag(request.ContinueRunOnStepFailure ?? request.ContinueOnStepFailure),
    Description: request.Description ?? "Submitted through the aml-pipeline-scheduler API",
    Tags: request.Tags ?? {},
  };
}

function stepFailureFlag(value: boolean | undefined): StepFailureFlag {
  return value === undefined ? {} : { ContinueRunOnStepFailure: value, ContinueOnStepFailure: value };
}

/** Passed through as is (CONTRACT 3), and only when given. */
function dataSetAssignments(
  assignments: DataSetDefinitionValueAssignments | undefined,
): Pick<AmlSubmitBody, "DataSetDefinitionValueAssignments"> {
  return assignments === undefined ? {} : { DataSetDefinitionValueAssignments: assignments };
}

/** Parameter values as the Python SDK sends them: `str(value)` (python-str.ts). */
function stringifyParameters(parameters: Record<string, string | number | boolean>): Record<string, string> {
  return Object.fromEntries(Object.entries(parameters).map(([name, value]) => [name, pythonStr(value)]));
}
