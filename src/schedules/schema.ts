import { z } from "zod";
import { triggerSchema } from "../recurrence/trigger-schema.js";
import { notifySchema } from "./notify-schema.js";

/** The zod schemas of a schedule: the API's types, its validation and its OpenAPI document (CONTRACT 1). */

const GUID = /^[0-9a-fA-F]{8}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{12}$/;

/**
 * `.` and `..` are dot segments, which URL normalisation removes (RFC 3986 5.2.4), so a name made of them could
 * never be addressed in a path; names made only of dots are refused altogether (CONTRACT 4).
 */
const ONLY_DOTS = /^\.+$/;
const ONLY_DOTS_MESSAGE = "must not be made only of dots, which cannot be addressed in a URL path";

export const scheduleNameSchema = z
  .string()
  .regex(/^[A-Za-z0-9._-]{1,255}$/, {
    message: "must be 1-255 characters of letters, digits, '-', '_' or '.'",
  })
  .refine((name) => !ONLY_DOTS.test(name), { message: ONLY_DOTS_MESSAGE })
  .meta({ example: "nightly-retrain" });

export const experimentNameSchema = z
  .string()
  .regex(/^[A-Za-z0-9_-]{1,255}$/, { message: "must be 1-255 characters of letters, digits, '-' or '_'" })
  .meta({ example: "MyExperiment" });

/** A path segment of the PipelineEndpointSubmit/Id URL (src/submit/endpoint-url.ts). */
const pipelineVersion = z
  .string()
  .regex(/^[A-Za-z0-9._-]{1,64}$/, { message: "must be 1-64 letters, digits, '.', '_' or '-'" })
  .refine((version) => !ONLY_DOTS.test(version), { message: ONLY_DOTS_MESSAGE })
  .meta({ example: "2" });

/** The kinds of target, exactly one of which a target names (CONTRACT 1); the others are their modifiers. */
export const TARGET_KINDS = [
  "pipelineId",
  "pipelineEndpointId",
  "pipelineEndpointName",
  "endpointUrl",
  "batchEndpoint",
  "batchEndpointUrl",
  "pipelineComponent",
] as const;
export type TargetKind = (typeof TARGET_KINDS)[number];
/** Azure ML v2 (CONTRACT 7): a batch endpoint (by name or scoring URI) or a pipeline component run as a job. */
export const V2_TARGET_KINDS = ["batchEndpoint", "batchEndpointUrl", "pipelineComponent"] as const;

/** An Azure ML asset name as Resource Manager takes it in a path (the `name` parameter pattern of the 2024-10-01 spec). */
const AML_ASSET_NAME = /^[A-Za-z0-9][A-Za-z0-9_-]{0,254}$/;

/** Exactly one kind of target (TARGET_KINDS) with the modifiers that kind takes. */
export const targetSchema = z
  .strictObject({
    pipelineId: z.string().regex(GUID, { message: "must be a published pipeline id (a GUID)" }).optional(),
    pipelineEndpointId: z
      .string()
      .regex(GUID, { message: "must be a pipeline endpoint id (a GUID)" })
      .optional(),
    pipelineEndpointName: z
      .string()
      .regex(/^[A-Za-z0-9_-]{1,255}$/, { message: "must be 1-255 letters, digits, '-' or '_'" })
      .optional(),
    pipelineVersion: pipelineVersion.optional(),
    endpointUrl: z
      .url({ protocol: /^https?$/, message: "must be an absolute http(s) URL" })
      .max(2048)
      .optional()
      .meta({ description: "The `endpoint` property of a PublishedPipeline or PipelineEndpoint, as is." }),
    batchEndpoint: z
      .string()
      .regex(/^[A-Za-z][A-Za-z0-9-]{2,31}$/, {
        message: "must be a batch endpoint name: 3-32 letters, digits or '-', starting with a letter",
      })
      .optional()
      .meta({
        description: "Azure ML v2: a batch endpoint of the workspace, looked up through Resource Manager.",
      }),
    batchEndpointUrl: z
      .url({ protocol: /^https?$/, message: "must be an absolute http(s) URL" })
      .max(2048)
      .optional()
      .meta({
        description:
          "Azure ML v2: a batch endpoint's scoring URI, `https://<endpoint>.<region>.inference.ml.azure.com/jobs`.",
      }),
    deployment: z
      .string()
      .regex(AML_ASSET_NAME, { message: "must be a deployment name: letters, digits, '-' or '_'" })
      .optional()
      .meta({
        description: "The batch endpoint's deployment to invoke; its default deployment when absent.",
      }),
    pipelineComponent: z
      .string()
      .regex(AML_ASSET_NAME, { message: "must be a component name: 1-255 letters, digits, '-' or '_'" })
      .optional()
      .meta({
        description: "Azure ML v2: a pipeline component of the workspace, submitted as a pipeline job.",
      }),
    version: pipelineVersion
      .optional()
      .meta({ description: "The component's version; `latest` (the default) reads the newest at each run." }),
    compute: z
      .string()
      .regex(/^(azureml:)?[A-Za-z0-9][A-Za-z0-9_-]{0,254}$/, {
        message: "must be a compute name (optionally azureml:<name>)",
      })
      .optional()
      .meta({ description: "The job's default compute (`settings.default_compute`), as given." }),
  })
  .superRefine((target, ctx) => {
    const given = TARGET_KINDS.filter((kind) => target[kind] !== undefined);
    if (given.length !== 1) {
      ctx.addIssue({
        code: "custom",
        path: [],
        message: `must have exactly one of ${TARGET_KINDS.join(", ")}${given.length ? ` (got ${given.join(", ")})` : ""}`,
      });
    }
    const only = (
      field: "pipelineVersion" | "deployment" | "version" | "compute",
      kinds: readonly TargetKind[],
    ) => {
      if (target[field] !== undefined && !kinds.some((kind) => target[kind] !== undefined)) {
        ctx.addIssue({
          code: "custom",
          path: [field],
          message: `is allowed only with ${kinds.join(" or ")}`,
        });
      }
    };
    only("pipelineVersion", ["pipelineEndpointId", "pipelineEndpointName"]);
    // CONTRACT 7: a pipeline component runs as a job of its own; only a batch endpoint has deployments.
    only("deployment", ["batchEndpoint", "batchEndpointUrl"]);
    only("version", ["pipelineComponent"]);
    only("compute", ["pipelineComponent"]);
  })
  .meta({ id: "Target" });
export type Target = z.output<typeof targetSchema>;

const MAX_ASSIGNMENTS = 100;
const assignmentName = z.string().regex(/^[A-Za-z0-9_.-]{1,255}$/, {
  message: "must be 1-255 letters, digits, '_', '.' or '-'",
});

export const parameterAssignmentsSchema = z
  .record(assignmentName, z.union([z.string().max(8192), z.number(), z.boolean()]))
  .refine((record) => Object.keys(record).length <= MAX_ASSIGNMENTS, {
    message: `must have at most ${MAX_ASSIGNMENTS} entries`,
  })
  .meta({ example: { pipeline_arg: 20 } });

const dataStoreName = z.string().regex(/^[A-Za-z0-9_]{1,255}$/, {
  message: "must be 1-255 letters, digits or underscores",
});

/** Whether a v2 input or output is a file (`UriFile`) or a folder (`UriFolder`), CONTRACT 1 and 7. */
export const DATA_KINDS = ["file", "folder"] as const;
export type DataKind = (typeof DATA_KINDS)[number];
const dataKind = z.enum(DATA_KINDS).meta({
  description: "v2 targets only: `folder` when the path ends with `/`, else `file`, unless given.",
});

export const dataPathSchema = z
  .strictObject({
    dataStoreName,
    relativePath: z.string().min(1).max(1024),
    kind: dataKind.optional(),
  })
  .meta({ id: "DataPath" });
export type DataPath = z.output<typeof dataPathSchema>;

export const dataPathAssignmentsSchema = z
  .record(assignmentName, dataPathSchema)
  .refine((record) => Object.keys(record).length <= MAX_ASSIGNMENTS, {
    message: `must have at most ${MAX_ASSIGNMENTS} entries`,
  });

/**
 * A dataset parameter's value, passed to Azure ML as is: the REST `DataSetDefinitionValue`, e.g.
 * `{ "SavedDataSetReference": { "Id": "<dataset id>" } }` (MicrosoftDocs/azure-docs
 * `articles/machine-learning/v1/how-to-deploy-pipelines.md`, "Change datasets and datapaths without retraining";
 * azureml-pipeline-core `_aeva_provider.py` builds `DataSetDefinitionValue(saved_data_set_reference=...)`).
 */
const dataSetDefinitionValueSchema = z.record(z.string(), z.unknown(), {
  error:
    'must be a DataSetDefinitionValue object, e.g. { "SavedDataSetReference": { "Id": "<dataset id>" } }',
});

export const dataSetDefinitionValueAssignmentsSchema = z
  .record(assignmentName, dataSetDefinitionValueSchema)
  .refine((record) => Object.keys(record).length <= MAX_ASSIGNMENTS, {
    message: `must have at most ${MAX_ASSIGNMENTS} entries`,
  })
  .meta({
    id: "DataSetDefinitionValueAssignments",
    description: "Dataset parameter values, sent to Azure ML as is (v1 targets).",
    example: { tabular_ds_param: { SavedDataSetReference: { Id: "<dataset id>" } } },
  });
export type DataSetDefinitionValueAssignments = z.output<typeof dataSetDefinitionValueAssignmentsSchema>;

/** The placeholders of an output path, replaced per run (CONTRACT 1). */
export const OUTPUT_PATH_PLACEHOLDERS = ["{runId}", "{scheduledFor}"] as const;

export const outputSchema = z
  .strictObject({
    datastoreName: dataStoreName,
    path: z.string().min(1).max(1024),
    kind: dataKind.optional(),
  })
  .meta({ id: "Output" });

/** v2 targets only: where each named output of the job goes, with a path per run (`scored/{runId}/`). */
export const outputsSchema = z
  .record(assignmentName, outputSchema)
  .refine((record) => Object.keys(record).length <= MAX_ASSIGNMENTS, {
    message: `must have at most ${MAX_ASSIGNMENTS} entries`,
  })
  .meta({
    id: "Outputs",
    description:
      "v2 targets only. `{runId}` and `{scheduledFor}` (compact UTC, 20261122T103000Z) are replaced per run, so that " +
      "two runs never write one path.",
    example: { scores: { datastoreName: "workspaceblobstore", path: "scored/{runId}/" } },
  });
export type Outputs = z.output<typeof outputsSchema>;

export const CATCH_UP_MODES = ["latest", "none", "all"] as const;
export const DEFAULT_MAX_CATCH_UP_RUNS = 10;
/** What an occurrence does while an earlier run of the schedule is unfinished (CONTRACT 2.5). */
export const OVERLAP_POLICIES = ["allow", "skip", "bufferOne"] as const;
export type OverlapPolicy = (typeof OVERLAP_POLICIES)[number];

export const policySchema = z
  .strictObject({
    catchUp: z.enum(CATCH_UP_MODES).default("latest"),
    maxCatchUpRuns: z.number().int().min(1).max(100).optional(),
    overlap: z
      .enum(OVERLAP_POLICIES)
      .default("allow")
      .meta({
        description:
          "While an earlier run is unfinished: `allow` fires anyway, `skip` records the occurrence as a Skipped run, " +
          "`bufferOne` holds it (Deferred) and fires it when that run ends; a newer one replaces it.",
      }),
    pauseAfterFailures: z
      .number()
      .int()
      .min(1)
      .max(100)
      .optional()
      .meta({
        description:
          "Disable the schedule after this many consecutive scheduled runs failed, counted in the order they end; " +
          "a run that ends well resets the count, enabling clears it.",
      }),
  })
  .superRefine((policy, ctx) => {
    if (policy.maxCatchUpRuns !== undefined && policy.catchUp !== "all") {
      ctx.addIssue({
        code: "custom",
        path: ["maxCatchUpRuns"],
        message: 'is allowed only with catchUp "all"',
      });
    }
  })
  .meta({ id: "Policy" });
export type Policy = z.output<typeof policySchema>;

export const SCHEDULE_STATUSES = ["Active", "Disabled"] as const;
export type ScheduleStatus = (typeof SCHEDULE_STATUSES)[number];

/** What a user defines: the body of POST /schedules, and the document a merge patch applies to. */
export const scheduleDefinitionSchema = z
  .strictObject({
    name: scheduleNameSchema,
    // Optional without a default, so that a merge patch's null removes it (RFC 7396), as for every optional field.
    description: z.string().max(4096).optional(),
    status: z.enum(SCHEDULE_STATUSES).default("Active"),
    target: targetSchema,
    experimentName: experimentNameSchema,
    parameterAssignments: parameterAssignmentsSchema.default({}),
    dataPathAssignments: dataPathAssignmentsSchema.default({}),
    dataSetDefinitionValueAssignments: dataSetDefinitionValueAssignmentsSchema.optional(),
    outputs: outputsSchema.optional(),
    continueOnStepFailure: z
      .boolean()
      .optional()
      .meta({
        description:
          "Whether the other steps go on when one fails; sent only when set, so that the pipeline's published " +
          "setting holds otherwise.",
      }),
    trigger: triggerSchema,
    policy: policySchema.default({ catchUp: "latest", overlap: "allow" }),
    notify: notifySchema.optional(),
  })
  .meta({ id: "ScheduleDefinition" });
export type ScheduleDefinition = z.output<typeof scheduleDefinitionSchema>;

/** The fields a PATCH may change (CONTRACT 4); anything else in a patch is a 400 naming it. */
export const PATCHABLE_FIELDS = [
  "name",
  "description",
  "target",
  "parameterAssignments",
  "dataPathAssignments",
  "dataSetDefinitionValueAssignments",
  "outputs",
  "continueOnStepFailure",
  "trigger",
  "policy",
  "status",
  "notify",
] as const;
