import type { FieldIssue } from "../errors.js";
import type { Trigger } from "../recurrence/trigger-schema.js";
import {
  OUTPUT_PATH_PLACEHOLDERS,
  V2_TARGET_KINDS,
  type DataKind,
  type ScheduleDefinition,
  type Target,
} from "./schema.js";

/**
 * The rules that tie a schedule's other fields to its kind of target (CONTRACT 1, 7): what only a v1 target takes,
 * what only a v2 target takes, and the output paths that would make two runs write one place. Each broken rule is
 * an issue naming its field; the schedule API and `POST /submit` report them as one 400.
 */
export type TargetBoundFields = Pick<
  ScheduleDefinition,
  "target" | "dataPathAssignments" | "dataSetDefinitionValueAssignments" | "outputs" | "continueOnStepFailure"
> & { trigger?: Trigger };

export function isV2Target(target: Target): boolean {
  return V2_TARGET_KINDS.some((kind) => target[kind] !== undefined);
}

/** CONTRACT 1: `folder` when the path ends with `/`, else `file`, unless the entry says. */
export function dataKindOf(entry: { kind?: DataKind | undefined }, path: string): DataKind {
  return entry.kind ?? (path.endsWith("/") ? "folder" : "file");
}

export function targetFieldIssues(fields: TargetBoundFields): FieldIssue[] {
  return isV2Target(fields.target) ? v2Issues(fields) : v1Issues(fields);
}

function v1Issues(fields: TargetBoundFields): FieldIssue[] {
  const issues: FieldIssue[] = [];
  if (fields.outputs !== undefined) {
    issues.push({
      path: "outputs",
      message: "is for Azure ML v2 targets (batchEndpoint, batchEndpointUrl, pipelineComponent) only",
    });
  }
  for (const [name, dataPath] of Object.entries(fields.dataPathAssignments)) {
    if (dataPath.kind !== undefined) {
      issues.push({
        path: `dataPathAssignments.${name}.kind`,
        message: "is for Azure ML v2 targets only: a v1 DataPath has no kind",
      });
    }
  }
  return issues;
}

function v2Issues(fields: TargetBoundFields): FieldIssue[] {
  const issues: FieldIssue[] = [];
  if (fields.dataSetDefinitionValueAssignments !== undefined) {
    issues.push({
      path: "dataSetDefinitionValueAssignments",
      message: "is for v1 targets only: an Azure ML v2 job takes data as inputs (dataPathAssignments)",
    });
  }
  if (fields.continueOnStepFailure !== undefined) {
    // Decision where CONTRACT 7 is silent: neither v2 request it names has a place for the flag.
    issues.push({
      path: "continueOnStepFailure",
      message:
        "is for v1 targets only: an Azure ML v2 batch deployment or pipeline component keeps its own setting",
    });
  }
  const changeBased = fields.trigger?.type === "datastore";
  for (const [name, output] of Object.entries(fields.outputs ?? {})) {
    const problem = outputPathProblem(output.path, changeBased);
    if (problem !== undefined) issues.push({ path: `outputs.${name}.path`, message: problem });
  }
  return issues;
}

/**
 * An output path must differ between runs: Azure ML fails a job whose output path exists (the batch endpoint docs
 * ask for "a unique path", MicrosoftDocs/azure-ai-docs `articles/machine-learning/how-to-access-data-batch-endpoints-jobs.md`,
 * "Create jobs with data outputs"). `{scheduledFor}` is per occurrence; a folder check fires all its runs at one
 * instant, so a change-based schedule needs `{runId}`.
 */
function outputPathProblem(path: string, changeBased: boolean): string | undefined {
  const unknown = [...path.matchAll(/\{[^}]*\}/g)]
    .map((match) => match[0])
    .filter((placeholder) => !(OUTPUT_PATH_PLACEHOLDERS as readonly string[]).includes(placeholder));
  if (unknown.length > 0) {
    return `has ${unknown.join(", ")}; the placeholders are ${OUTPUT_PATH_PLACEHOLDERS.join(" and ")}`;
  }
  if (changeBased && !path.includes("{runId}")) {
    return "must contain {runId}: the runs of one folder check share {scheduledFor}, and a job fails on an existing output path";
  }
  if (!OUTPUT_PATH_PLACEHOLDERS.some((placeholder) => path.includes(placeholder))) {
    return "must contain {runId} or {scheduledFor}, so that two runs never write one path (a job fails on an existing output path)";
  }
  return undefined;
}
